"""What the server does besides drawing: files served by content URL (``served``), training
admission (``admission``), training runs in threads of their own (``training``), the shipped and
shared model folders (``sharing``), torch's threads (``runtime``) and the memory housekeeping after
sessions (``housekeeping``). Imports vae_core and Streamlit's runtime, never ``ui`` or a page
(tests/test_import_graph.py checks it)."""
