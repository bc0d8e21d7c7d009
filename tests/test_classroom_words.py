"""What a class reads on its pages, word for word, in English and French: goods named as
the catalogue names them, plurals that agree, names instead of codes, rounds that say
where the lesson is."""

from model.text import use_language
from ui import views


def test_an_offers_good_is_named_as_the_catalogue_names_it():
    terms = {"mineral": "rare_earths", "stage": "magnets", "tonnes": 100.0}
    with use_language("fr"):
        words = views.describe_terms(terms)
    assert words.startswith("aimants de terres rares, ")
    assert "minerai" not in words and "stade" not in words
    with use_language("en"):
        assert views.describe_terms(terms).startswith("magnet rare earths, ")
    with use_language("fr"):  # a mineral at every stage keeps its two terms
        assert views.describe_terms({"mineral": "lithium", "stage": "all"}).startswith(
            "minéral : lithium, "
        )
