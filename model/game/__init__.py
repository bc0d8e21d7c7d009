"""Games with people: replay logs, class games, archives, debriefs, briefings, cards."""
