"""Cross-lingual pre-matching of buyers and suppliers: embeddings, FAISS, scores, explanations."""
