"""What every Google API client shares: an authorised http, and one way to run a request.

``GoogleClient`` runs each request on its own ``AuthorizedHttp`` (google.oauth2
credentials: an access token, or a refresh token that refreshes on 401), adds
up the time spent waiting on Google in ``api_seconds``, and turns every
failure into a ``GoogleApiError`` (see ``errors``). Nothing retries: an
interactive caller answers at once, a background caller decides its own
back-off from ``retry_after``.
"""

import time

import google.auth.exceptions
import google.oauth2.credentials
import google_auth_httplib2
import httplib2
from googleapiclient.errors import HttpError
from googleapiclient.http import HttpRequest

from threadbook.google.errors import ReauthRequired, Unavailable, translate_http_error

DEFAULT_TIMEOUT = 20


def authorized_http(credentials, timeout=DEFAULT_TIMEOUT):
    """An httplib2 client that signs requests with ``credentials``."""
    # Refresh on 401 only when the credentials can refresh; a bare access
    # token cannot, and google-auth would raise RefreshError instead.
    oauth_user = isinstance(credentials, google.oauth2.credentials.Credentials)
    refreshable = bool(getattr(credentials, "refresh_token", None)) or not oauth_user
    return google_auth_httplib2.AuthorizedHttp(credentials, http=httplib2.Http(timeout=timeout), refresh_status_codes=(401,) if refreshable else ())


class GoogleClient:
    """Base of the API clients; ``SERVICE`` names the API in messages to the user."""

    SERVICE = "Google"

    def __init__(self, credentials, timeout=DEFAULT_TIMEOUT):
        self._http = authorized_http(credentials, timeout)
        self.api_seconds = 0.0

    @classmethod
    def for_access_token(cls, access_token, api_root, **kwargs):
        """A client for a short-lived access token (e.g. from the extension)."""
        return cls(google.oauth2.credentials.Credentials(access_token), api_root, **kwargs)

    def translate(self, error):
        """Return the GoogleApiError for an HttpError of this API."""
        return translate_http_error(error).about(service=self.SERVICE)

    def _execute(self, request):
        started = time.perf_counter()
        try:
            if isinstance(request, HttpRequest):
                # Requests may be built from resources shared between clients; each runs on its client's credentials.
                return request.execute(http=self._http, num_retries=0)
            return request.execute(num_retries=0)
        except HttpError as exc:
            raise self.translate(exc) from exc
        except google.auth.exceptions.RefreshError as exc:
            raise ReauthRequired(f"Google refused to refresh the access: {exc}", 401, "refresh_failed").about(service=self.SERVICE) from exc
        except (TimeoutError, OSError, httplib2.HttpLib2Error) as exc:
            raise Unavailable(f"{self.SERVICE} could not be reached ({exc.__class__.__name__}).", None, "unreachable", 5).about(service=self.SERVICE) from exc
        finally:
            self.api_seconds += time.perf_counter() - started
