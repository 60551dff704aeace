"""Command-line entry point; subcommands grow with the lifecycle."""
