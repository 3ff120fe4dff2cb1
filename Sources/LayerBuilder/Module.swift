// Module LayerBuilder.
