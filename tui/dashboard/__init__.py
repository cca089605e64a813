"""The Textual dashboard: the app, its messages, palette and second hand, the view models of the task
table (`task_rows`, `task_view`), one pane a file in `widgets/`, and the screens in `screens/` (the main
view, `screens.tasks`, among them). Reaches the engine only through `tui.engine.api`; never imports
boto3."""
