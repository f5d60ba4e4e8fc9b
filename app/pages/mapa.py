"""The mapa page: ``app/page_map.py`` drawn with this run\'s scenario and ranking."""

from app import page_map
from app.view import current

page_map.render(current())
