from shared.service import serve

from .app import NAME, Settings, create_app

settings = Settings()
serve(create_app(settings), settings, NAME)
