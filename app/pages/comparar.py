"""The comparar page: ``app/page_compare.py`` drawn with this run\'s scenario and ranking."""

from app import page_compare
from app.view import current

page_compare.render(current())
