"""The web application (`clearsight serve`): the CLI's views as pages and a JSON API, behind accounts, role
rules and an audit log; see app.py."""
