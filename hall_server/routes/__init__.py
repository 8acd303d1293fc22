"""The API's endpoints, one blueprint per part of the hall: catalogue, queues, appointments, ..."""
