"""The segment rule model and its compiler to Ibis expressions."""
