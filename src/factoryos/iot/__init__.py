"""Industrial IoT: connectors (MQTT with Sparkplug B and JSON, OPC UA), decoders, the ingestion pipeline and
the one MQTT publisher.

Flow: a connector turns what arrives into `Inbound` messages; the pipeline decodes them (`jsonlayout`,
`sparkplug`: pure, into `factoryos.model.readings`), validates the readings (`validate`), hands batches to
the telemetry store (`factoryos.store.timeseries`, where every line of SQL lives) and only then
acknowledges them to the broker; whatever cannot be stored goes to the dead letters.
"""
