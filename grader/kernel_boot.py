"""Start an IPython kernel for grading, after installing an audit hook no student code can remove.

Run as a script (``python kernel_boot.py -f CONNECTION_FILE``) by
``grader.sandbox``; it must not import anything of the course, which the
sandbox hides. The hook refuses what no lab needs and what a cheat would:
replacing a function's ``__code__`` (which would let a student rewrite
``torch.testing`` or a helper the hidden tests call) and ``ctypes`` (raw memory
access). Everything else the sandbox and the static scan of the submission
(``grader.tamper``) take care of.
"""

import sys

# Loading libraries through ctypes is fine (torch does it on import); reading,
# writing or calling raw memory is not.
_REFUSED = {"ctypes.addressof", "ctypes.cdata", "ctypes.cdata/buffer", "ctypes.string_at",
            "ctypes.wstring_at", "ctypes.call_function"}


def _audit(event, args):
    if event == "object.__setattr__" and len(args) == 3 and args[1] == "__code__":
        old, new = getattr(args[0], "__code__", None), args[2]
        # types.coroutine (asyncio) re-flags a function's own code; that is the one
        # change allowed, any other body is a swap.
        if old is None or not hasattr(new, "replace") or new.replace(co_flags=old.co_flags) != old:
            raise PermissionError("grading: replacing a function's __code__ is not allowed")
    if event in _REFUSED:
        raise PermissionError(f"grading: {event} is not allowed")


sys.addaudithook(_audit)
del _audit

if __name__ == "__main__":
    from ipykernel import kernelapp

    kernelapp.launch_new_instance()
