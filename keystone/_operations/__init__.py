"""What the resource methods do, over the client's core: create, retrieve, iterate, update,
delete (:mod:`.crud`, and the typed methods generated from the declarations: :mod:`.methods`),
the readers beside them, the page walk, and atomic jobs (:mod:`.jobs`)."""
