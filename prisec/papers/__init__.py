"""Papers and the talks that discuss them: the models and the organizers' edits (the public
/papers page is prisec/public/papers.py; `flask import papers` lives in prisec/importers/)."""
