"""The conglomerados page: ``app/views/clusters.py`` drawn with this run\'s scenario and ranking."""

from app.runtime.view import current
from app.views import clusters as page_clusters

page_clusters.render(current())
