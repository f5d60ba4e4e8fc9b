"""The presupuesto page: ``app/page_budget.py`` drawn with this run\'s scenario and ranking."""

from app import page_budget
from app.view import current

page_budget.render(current())
