from shared.service import serve

from .app import create_app
from .settings import UploadSettings

settings = UploadSettings()
serve(create_app(settings), settings.http_host, settings.http_port)
