"""The datos page: ``app/page_data.py`` drawn with this run\'s scenario and ranking."""

from app import page_data
from app.view import current

page_data.render(current())
