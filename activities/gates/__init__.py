"""The lifecycle's gates as plain functions: each reads what it needs and returns a verdict.

Each module's docstring names the condition its gate owns and the reasons it gives.
They raise typed errors (``GateError`` or a library's own, all carrying ``reason``);
the activity boundary turns them into what the workflow reads. No Temporal here
beyond what ``activities.boundary`` offers.
"""
