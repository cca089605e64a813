"""The Textual dashboard: the app, its messages, palette and ticks, the view models of the task table
(`task_rows`, `task_view`), one pane a file in `widgets/`, and the modal screens in `screens/`. Reaches
the engine only through `tui.engine.api`; never imports boto3."""
