"""The conglomerados page: ``app/page_clusters.py`` drawn with this run\'s scenario and ranking."""

from app import page_clusters
from app.view import current

page_clusters.render(current())
