"""`python -m clearsight`: the same CLI as the `clearsight` command."""

from clearsight.cli import app

app(prog_name="clearsight")
