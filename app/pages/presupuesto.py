"""The presupuesto page: ``app/views/budget.py`` drawn with this run\'s scenario and ranking."""

from app.runtime.view import current
from app.views import budget as page_budget

page_budget.render(current())
