"""Fleet telemetry over MQTT: the kiosk's state and events for the district's operators (domain.fleet_topics)."""
