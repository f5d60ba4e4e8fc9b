"""The ranking page: ``app/views/ranking.py`` drawn with this run\'s scenario and ranking."""

from app.runtime.view import current
from app.views import ranking as page_ranking

page_ranking.render(current())
