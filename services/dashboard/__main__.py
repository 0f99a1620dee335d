from shared.service import serve

from .app import create_app
from .settings import DashboardSettings

settings = DashboardSettings()
serve(create_app(settings), settings.http_host, settings.http_port)
