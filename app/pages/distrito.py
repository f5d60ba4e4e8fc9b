"""The distrito page: ``app/views/district.py`` drawn with this run\'s scenario and ranking."""

from app.runtime.view import current
from app.views import district as page_district

page_district.render(current())
