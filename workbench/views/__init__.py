"""Qt item models and view-models: adapt services' data for widgets. No QtWidgets here."""
