"""Industrial IoT: connectors (MQTT with Sparkplug B and JSON, OPC UA), the ingestion pipeline, the
time-series store and OEE.

Flow: a connector turns what arrives into `Inbound` messages; the pipeline decodes them (`jsonlayout`,
`sparkplug`), validates the readings (`validate`), batches them into the time-series tables (`timeseries`)
and only then acknowledges them to the broker; whatever cannot be stored goes to the dead letters.
"""
