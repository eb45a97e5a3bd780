"""Intel: watch lists, the interaction index, counterparty affiliations and hit notifications.

``index`` keeps ``CharacterInteraction`` equal to the sections' rows; ``affiliations`` asks
ESI where character counterparties belong; ``watchlists`` fills lists by hand, from CSV or
from contacts; ``notify`` tells subscribers about new hits; ``tasks`` runs the ESI work.
The report and search querysets are in ``memberaudit.intel_queries``.
"""

#: ESI operations the intel features call (the client is built for exactly the ones we use)
OPERATIONS = frozenset({"PostCharactersAffiliation", "GetCorporationsCorporationId", "PostUniverseIds"})
