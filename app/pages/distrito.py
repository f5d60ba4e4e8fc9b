"""The distrito page: ``app/page_district.py`` drawn with this run\'s scenario and ranking."""

from app import page_district
from app.view import current

page_district.render(current())
