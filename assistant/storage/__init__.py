"""The store and the index: embedders, the vector store, the manifest, the question bank and the
word evidence built with the index."""
