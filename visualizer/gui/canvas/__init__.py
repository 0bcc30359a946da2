"""The network canvas: `view.NetworkView` (the widget) shows a `scene.NetworkScene` of a
Document. Geometry (`layout`), what is shown (`state.Overlay`) and the colour map
(`colors`) are plain modules that the items (`items`) draw from."""
