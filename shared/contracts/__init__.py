"""Message contracts shared by the services: pydantic models, topic names and
the spreadsheet's column catalog. No behaviour lives here."""
