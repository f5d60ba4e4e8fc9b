"""The comparar page: ``app/views/compare.py`` drawn with this run\'s scenario and ranking."""

from app.runtime.view import current
from app.views import compare as page_compare

page_compare.render(current())
