"""Qt widgets and dialogs; they talk to processing/ by running algorithms."""
