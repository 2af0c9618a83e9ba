"""Ingest: the MQTT side of the hub, from the broker to a committed row and its ack.

`mqtt_client` is the hub's MQTT client (persistent session, PUBACK after commit, acks,
the site clock); `intake` turns a batch of messages into rows in one transaction; `health`
says whether ingest keeps up; `events` fans live events out to the web server; `updates`
serves firmware releases to readers over the air. The broker
side: `embedded_broker` (amqtt inside the hub), `mosquitto_conf` (Mosquitto's files for
production), `broker_policy` (who may publish and subscribe to what, for both brokers) and
`certs` (the site CA and the broker's certificate). The wire contract itself is
`hub.wire`, a basic, since storage checks stored values against it too.
Ingest may import services, the store, the rules and the basics; never accounts, reports,
the CLI or the web (checked by `lint-imports`, see pyproject.toml).
"""
