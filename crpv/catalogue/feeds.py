"""RSS feeds of the catalogue: new records, and the new results of a saved search."""

from django.contrib.syndication.views import Feed
from django.http import Http404, QueryDict
from django.urls import reverse
from django.utils.text import Truncator

from .models import Record, SavedSearch
from .search import search_records
from .search.forms import SearchForm

FEED_SIZE = 30


class RecordFeed(Feed):
    def item_title(self, item):
        return str(item)

    def item_description(self, item):
        authorships = getattr(item, "page_authorships", None)
        if authorships is None:
            authorships = item.authorships.all()
        parts = [", ".join(str(a.agent) for a in authorships), item.publisher]
        head = " — ".join(p for p in parts if p)
        return "\n".join(p for p in [head, Truncator(item.abstract).words(80)] if p)

    def item_link(self, item):
        return reverse("catalogue:record", args=[item.pk])

    def item_pubdate(self, item):
        return item.created_at

    def item_categories(self, item):
        return [theme for theme in item.themes or [] if isinstance(theme, str)]


class NewRecordsFeed(RecordFeed):
    title = "Nouveautés du centre de ressources"
    description = "Les dernières notices ajoutées au catalogue."

    def link(self):
        return reverse("catalogue:search")

    def items(self):
        return Record.objects.public().for_display().order_by("-created_at", "-pk")[:FEED_SIZE]


class SavedSearchFeed(RecordFeed):
    description = "Les dernières notices du catalogue qui répondent à votre recherche enregistrée."

    def get_object(self, request, token):
        saved = SavedSearch.objects.from_token(token)
        if saved is None:
            raise Http404("Alerte inconnue ou supprimée.")
        return saved

    def title(self, obj):
        return f"Alerte : {obj.label}"

    def link(self, obj):
        return reverse("catalogue:search") + "?" + obj.query_string

    def items(self, obj):
        arguments = SearchForm(QueryDict(obj.query_string)).search_arguments()
        arguments.update(sort="recent", page=1)
        results = search_records(
            Record.objects.public(), per_page=FEED_SIZE, with_facets=False, scope="public", **arguments
        )
        return results.records
