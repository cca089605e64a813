"""The command line: one module per `pcwatch` command (`dashboard` is the one without a name). Each has
`add_arguments(parser)` and `run(args, settings) -> ExitStatus`; heavy imports happen in `run`. The headless
commands never load Textual."""
