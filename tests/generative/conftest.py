"""One BLAS thread for the generative tests.

Their matrices are tiny (batches of 128 x 64); a multithreaded OpenBLAS on a shared
2-core machine spends far more time waking and synchronising its threads than computing
(measured: the ring8 GAN training takes 91 s with 2 BLAS threads under load, 3.6 s with
one). The limit changes no result: the same kernels run, on one thread.
"""

import pytest


@pytest.fixture(autouse=True)
def _one_blas_thread():
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:
        yield
        return
    with threadpool_limits(limits=1, user_api="blas"):
        yield
