"""The mapa page: ``app/views/map.py`` drawn with this run\'s scenario and ranking."""

from app.runtime.view import current
from app.views import map as page_map

page_map.render(current())
