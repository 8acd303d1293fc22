"""The kiosk's side of the hall: the signed client and its typed answers, its errors, whether the hall can
be reached, the service guides saved on disk, and the connection that ties them to the outbox."""
