"""Character sections: one module per domain, each registering its ``Section`` subclasses.

``registry`` discovers every module of this package; ``engine`` runs one section update.
"""
