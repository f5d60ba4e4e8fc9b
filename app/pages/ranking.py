"""The ranking page: ``app/page_ranking.py`` drawn with this run\'s scenario and ranking."""

from app import page_ranking
from app.view import current

page_ranking.render(current())
