"""Example rationales and a sparse-matrix comparison, shared by the model's feature tests."""

UPHELD = ("The patient has had twelve sessions of therapy. There is no documentation of "
          "objective functional improvement. Therefore, the request is not medically necessary.")
OVERTURNED = ("The records document 50% pain relief and improved walking tolerance. The "
              "guideline criteria are met. The request is supported.")


def identical(a, b) -> bool:
    """Same sparse matrix to the bit: type, structure, index and value types, values."""
    return (type(a) is type(b) and a.shape == b.shape and a.indices.dtype == b.indices.dtype
            and a.data.dtype == b.data.dtype and (a.indptr == b.indptr).all()
            and (a.indices == b.indices).all() and (a.data == b.data).all())
