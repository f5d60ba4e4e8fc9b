"""The datos page: ``app/views/data.py`` drawn with this run\'s scenario and ranking."""

from app.runtime.view import current
from app.views import data as page_data

page_data.render(current())
