/* Operations map: renders the server's pydeck spec with deck.gl's JSON converter, binds the binary
   geometry (grid/maps.py documents the format), refreshes the status bytes while the page is
   visible and recolours through updateTriggers; clicks load the htmx detail panel. */
(function () {
  "use strict";

  const ENERGIZED = 0;
  const DEENERGIZED = 1;
  const OUTAGE = 2;
  const SWITCH_OPEN_NORMAL = 1;
  const SWITCH_OPEN_ABNORMAL = 2;
  const SWITCH_CLOSED_ABNORMAL = 3;
  const DIMMED = [70, 80, 100, 45];
  const HIDDEN = [0, 0, 0, 0];
  const TYPES = { float32: Float32Array, uint32: Uint32Array, uint16: Uint16Array, uint8: Uint8Array };

  function escapeHtml(value) {
    return String(value).replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]);
  }

  function decodeGeometry(buffer) {
    const magic = String.fromCharCode(...new Uint8Array(buffer, 0, 4));
    if (magic !== "FXMG") throw new Error("not a map geometry body");
    const length = new DataView(buffer).getUint32(4, true);
    const header = JSON.parse(new TextDecoder().decode(new Uint8Array(buffer, 8, length)));
    const sections = {};
    for (const [name, [offset, dtype, count]] of Object.entries(header.sections)) {
      sections[name] = new TYPES[dtype](buffer, offset, count);
    }
    return { header, s: sections };
  }

  function decodeStatus(buffer) {
    const view = new DataView(buffer);
    const magic = String.fromCharCode(...new Uint8Array(buffer, 0, 4));
    if (magic !== "FXST") throw new Error("not a map status body");
    const [structure, state, flags, s, d, t] = [4, 8, 12, 16, 20, 24].map((o) => view.getUint32(o, true));
    const values = new Uint8Array(buffer, 32);
    return {
      structure, state, flags,
      segments: values.subarray(0, s),
      devices: values.subarray(s, s + d),
      transformers: values.subarray(s + d, s + d + t),
    };
  }

  function rings(positions, starts) {
    const out = [];
    for (let i = 0; i + 1 < starts.length; i++) {
      const ring = [];
      for (let j = starts[i]; j < starts[i + 1]; j++) ring.push([positions[2 * j], positions[2 * j + 1]]);
      out.push(ring);
    }
    return out;
  }

  /** Everything the layers draw, built once per geometry version. */
  function buildModel(buffer) {
    const { header, s } = decodeGeometry(buffer);
    const n = header.counts.segments;
    const starts = s.segment_starts;
    const pos = s.segment_positions;
    const ids = new Uint32Array(n);
    let id = 0;
    for (let i = 0; i < n; i++) { id += s.segment_id_deltas[i]; ids[i] = id; }
    const lineCount = n ? starts[n] - n : 0;
    const lines = new Float32Array(lineCount * 4);
    const lineSegment = new Uint32Array(lineCount);
    let k = 0;
    for (let i = 0; i < n; i++) {
      for (let j = starts[i]; j < starts[i + 1] - 1; j++) {
        lines[4 * k] = pos[2 * j]; lines[4 * k + 1] = pos[2 * j + 1];
        lines[4 * k + 2] = pos[2 * j + 2]; lines[4 * k + 3] = pos[2 * j + 3];
        lineSegment[k++] = i;
      }
    }
    const stations = header.substations.map(([code, name, lon, lat], index) => ({ code, name, position: [lon, lat], index }));
    const areaRings = rings(s.area_positions, s.area_starts);
    const outlineRings = rings(s.outline_positions, s.outline_starts);
    return {
      header, s, ids, lineSegment,
      structure: header.structure,
      feederStation: Int32Array.from(header.feeders, (f) => f[1]),
      feederColour: Int32Array.from(header.feeders, (f) => f[2]),
      outlineRings,
      data: {
        segments: {
          length: lineCount,
          attributes: {
            getSourcePosition: { value: lines, size: 2, stride: 16, offset: 0 },
            getTargetPosition: { value: lines, size: 2, stride: 16, offset: 8 },
          },
        },
        devices: { length: header.counts.devices, attributes: { getPosition: { value: s.device_positions, size: 2 } } },
        transformers: { length: header.counts.transformers, attributes: { getPosition: { value: s.transformer_positions, size: 2 } } },
        substations: stations,
        serviceAreas: areaRings.map((polygon, index) => ({ polygon, index })),
        feederOutlines: outlineRings.map((path, index) => ({ path, index })),
      },
    };
  }

  function segmentLength(model, i) {
    const p = model.s.segment_positions;
    let metres = 0;
    for (let j = model.s.segment_starts[i]; j < model.s.segment_starts[i + 1] - 1; j++) {
      const lat = (p[2 * j + 1] * Math.PI) / 180;
      const dx = ((p[2 * j + 2] - p[2 * j]) * Math.PI / 180) * Math.cos(lat);
      const dy = ((p[2 * j + 3] - p[2 * j + 1]) * Math.PI) / 180;
      metres += 6371008.8 * Math.hypot(dx, dy);
    }
    return metres;
  }

  function segmentPath(model, i) {
    const p = model.s.segment_positions;
    const path = [];
    for (let j = model.s.segment_starts[i]; j < model.s.segment_starts[i + 1]; j++) path.push([p[2 * j], p[2 * j + 1]]);
    return path;
  }

  class OperationsMap {
    constructor(root) {
      this.root = root;
      this.spec = JSON.parse(root.querySelector("#map-spec").textContent);
      this.config = JSON.parse(root.querySelector("#map-config").textContent);
      this.canvas = root.querySelector("[data-map-canvas]");
      this.meta = root.querySelector("[data-map-meta]");
      this.model = null;
      this.status = null;
      this.statusTag = null;
      this.mode = "feeder";
      this.filter = { substation: -1, feeder: -1 };
      this.visible = {};
      this.selection = [];
      this.selectionPoint = [];
      this.version = 0;
      this.viewState = null;
      this.memo = {};
      this.metrics = { navigationToFirstDrawMs: null, geometryBytes: 0, statusToFrameMs: null, frames: 0 };
      this.pendingFrame = null;
      this.loadingGeometry = null;
      for (const box of root.querySelectorAll("[data-layer]")) this.visible[box.dataset.layer] = box.checked;
      this.converter = new deck.JSONConverter({ configuration: this.configuration() });
      this.bindControls();
      this.start();
    }

    /** Accessor factories named by the spec's {"@@function": ...} entries (memoised: stable functions). */
    functions() {
      const memo = (name, make) => (params) => (this.memo[name] ||= make(params));
      const map = this;
      const colour = [0, 0, 0, 0];
      const put = (c) => { colour[0] = c[0]; colour[1] = c[1]; colour[2] = c[2]; colour[3] = c[3]; return colour; };
      return {
        segmentColour: memo("segmentColour", ({ modes }) => (_, { index }) => {
          const segment = map.model.lineSegment[index];
          const feeder = map.model.s.segment_feeder[segment];
          if (!map.passesFilter(feeder)) return DIMMED;
          const value = map.status ? map.status.segments[segment] : 0;
          const energy = value & 3;
          if (energy === OUTAGE) return put(modes.energization.outage);
          if (energy === DEENERGIZED) return put(modes.energization.deenergized);
          if (map.mode === "energization") return put(modes.energization.energized);
          if (map.mode === "loading") return put(modes.loading[(value >> 2) & 7] || modes.loading[0]);
          return put(modes.feeder[map.model.feederColour[feeder] % modes.feeder.length]);
        }),
        segmentWidth: memo("segmentWidth", ({ threePhase, singlePhase }) => (_, { index }) => {
          const segment = map.model.lineSegment[index];
          const wide = (map.model.s.segment_kind[segment] & 3) === 0 ? threePhase : singlePhase;
          const energy = map.status ? map.status.segments[segment] & 3 : 0;
          return energy === ENERGIZED ? wide : wide + 1;
        }),
        transformerColour: memo("transformerColour", ({ colours }) => (_, { index }) => {
          if (!map.passesFilter(map.model.s.transformer_feeder[index])) return HIDDEN;
          const energy = map.status ? map.status.transformers[index] & 3 : 0;
          return energy === OUTAGE ? colours.outage : energy === DEENERGIZED ? colours.deenergized : colours.energized;
        }),
        deviceFill: memo("deviceFill", ({ colours }) => (_, { index: at, data }) => {
          const index = data.deviceIndex ? data.deviceIndex[at] : at;
          if (!map.passesFilter(map.model.s.device_feeder[index])) return HIDDEN;
          const state = map.deviceSwitch(index);
          if (state === SWITCH_OPEN_NORMAL) return HIDDEN;
          if (state === SWITCH_OPEN_ABNORMAL) return colours.open_abnormal;
          if (state === SWITCH_CLOSED_ABNORMAL) return colours.closed_abnormal;
          return put([...colours.closed.slice(0, 3), 150]);
        }),
        deviceLine: memo("deviceLine", ({ colours }) => (_, { index: at, data }) => {
          const index = data.deviceIndex ? data.deviceIndex[at] : at;
          if (!map.passesFilter(map.model.s.device_feeder[index])) return HIDDEN;
          const state = map.deviceSwitch(index);
          if (state === SWITCH_OPEN_NORMAL) return colours.open_normal;
          if (state === SWITCH_OPEN_ABNORMAL) return [255, 255, 255, 255];
          return HIDDEN;
        }),
        deviceRadius: memo("deviceRadius", ({ closed, open }) => (_, { index: at, data }) => {
          const index = data.deviceIndex ? data.deviceIndex[at] : at;
          const state = map.deviceSwitch(index);
          return state === 0 ? closed : state === SWITCH_OPEN_ABNORMAL ? open + 1 : open;
        }),
        areaFill: memo("areaFill", ({ palette }) => (area) => palette[area.index % palette.length]),
        assetTooltip: memo("assetTooltip", ({ fields }) => (info) => map.tooltip(info, fields)),
      };
    }

    configuration() {
      const data = this.model ? this.model.data : {};
      return new deck.JSONConfiguration({
        classes: deck,
        functions: this.functions(),
        constants: {
          segments: data.segments || { length: 0 },
          devices: data.devices || { length: 0 },
          openDevices: this.openDevices || { length: 0 },
          transformers: data.transformers || { length: 0 },
          substations: data.substations || [],
          serviceAreas: data.serviceAreas || [],
          feederOutlines: data.feederOutlines || [],
          selection: this.selection,
          selectionPoint: this.selectionPoint,
          colourKey: `${this.mode}|${this.version}|${this.filter.substation}|${this.filter.feeder}`,
        },
      });
    }

    deviceSwitch(index) {
      if (this.status) return (this.status.devices[index] >> 2) & 3;
      return this.model.s.device_flags[index] & 2 ? SWITCH_OPEN_NORMAL : 0;
    }

    passesFilter(feeder) {
      if (this.filter.feeder >= 0) return feeder === this.filter.feeder;
      if (this.filter.substation >= 0) return this.model.feederStation[feeder] === this.filter.substation;
      return true;
    }

    tooltip(info, fields) {
      if (!info.picked || info.index < 0 || !this.model) return null;
      const m = this.model;
      const energyName = (v) => ["energized", "de-energized", "in an active outage"][v & 3] || "unknown";
      const feederOf = (f) => m.header.feeders[f];
      const stationOf = (f) => m.header.substations[feederOf(f)[1]];
      const values = {};
      let title = "";
      const layer = info.layer.id;
      if (layer === "segments") {
        const i = m.lineSegment[info.index];
        const f = m.s.segment_feeder[i];
        const kind = m.s.segment_kind[i];
        title = "Segment";
        Object.assign(values, {
          id: `S${m.ids[i]}`, feeder: feederOf(f)[0], substation: `${stationOf(f)[0]} ${stationOf(f)[1]}`,
          conductor: m.header.conductors[kind >> 2], phases: m.header.phases[kind & 3],
          length: `${Math.round(segmentLength(m, i)).toLocaleString()} m`,
          status: this.status ? energyName(this.status.segments[i]) : "loading",
        });
      } else if (layer === "devices" || layer === "open-devices") {
        const i = layer === "devices" ? info.index : this.openDevices.deviceIndex[info.index];
        const f = m.s.device_feeder[i];
        const state = ["closed", "open (normally open)", "open (abnormal)", "closed (normally open)"][this.deviceSwitch(i)];
        title = "Device";
        Object.assign(values, {
          code: m.header.deviceCodes[i], kind: m.header.deviceKinds[m.s.device_kind[i]], feeder: feederOf(f)[0],
          substation: stationOf(f)[0], state, status: this.status ? energyName(this.status.devices[i]) : "loading",
        });
      } else if (layer === "transformers") {
        const i = info.index;
        const f = m.s.transformer_feeder[i];
        title = "Transformer";
        Object.assign(values, {
          code: m.header.transformerCodes[i], kva: `${m.header.transformerKva[i]} kVA`, feeder: feederOf(f)[0],
          substation: stationOf(f)[0], status: this.status ? energyName(this.status.transformers[i]) : "loading",
        });
      } else if (layer === "substations") {
        const station = m.data.substations[info.index];
        title = "Substation";
        Object.assign(values, {
          code: station.code, name: station.name,
          feeders: m.header.feeders.filter((f) => f[1] === station.index).map((f) => f[0]).join(", "),
        });
      } else {
        return null;
      }
      const rows = (fields[layer] || []).map((name) => `<tr><th>${escapeHtml(name)}</th><td>${escapeHtml(values[name])}</td></tr>`);
      return { html: `<strong>${title}</strong><table>${rows.join("")}</table>`, className: "map-tooltip" };
    }

    pickedAsset(info) {
      const m = this.model;
      if (!info.picked || info.index < 0 || !m) return null;
      switch (info.layer.id) {
        case "segments": {
          const i = m.lineSegment[info.index];
          return { kind: "segment", ref: String(m.ids[i]), path: segmentPath(m, i) };
        }
        case "devices":
        case "open-devices": {
          const i = info.layer.id === "devices" ? info.index : this.openDevices.deviceIndex[info.index];
          return { kind: "device", ref: m.header.deviceCodes[i], position: Array.from(m.s.device_positions.subarray(2 * i, 2 * i + 2)) };
        }
        case "transformers": return { kind: "transformer", ref: m.header.transformerCodes[info.index], position: Array.from(m.s.transformer_positions.subarray(2 * info.index, 2 * info.index + 2)) };
        case "substations": return { kind: "substation", ref: m.data.substations[info.index].code, position: m.data.substations[info.index].position };
        default: return null;
      }
    }

    highlight(asset) {
      this.selection = asset && asset.path ? [{ path: asset.path }] : [];
      this.selectionPoint = asset && !asset.path && asset.position ? [{ position: asset.position }] : [];
    }

    openDetail(kind, ref) {
      const url = this.config.assetUrlTemplate.replace("{kind}", encodeURIComponent(kind)).replace("{ref}", encodeURIComponent(ref));
      htmx.ajax("GET", url, { target: "#asset-panel", swap: "outerHTML" });
    }

    render() {
      if (!this.deck) return;
      this.converter.setProps({ configuration: this.configuration() });
      const props = this.converter.convert({ ...this.spec });
      const minZoom = this.config.detailLayerMinZoom || {};
      const zoom = this.zoom || 0;
      const shown = (id) => {
        const toggle = this.visible[id === "open-devices" ? "devices" : id] !== false;
        return toggle && (minZoom[id] === undefined || zoom >= minZoom[id]);
      };
      props.layers = props.layers.map((layer) => layer.clone({ visible: shown(layer.id) }));
      if (this.viewState) props.initialViewState = this.viewState;
      delete props.views;
      this.deck.setProps(props);
    }

    start() {
      const props = this.converter.convert({ ...this.spec });
      this.viewState = this.fitBounds(this.config.bounds) || props.initialViewState;
      this.zoom = this.viewState.zoom;
      this.deck = new deck.Deck({
        ...props,
        layers: [],
        initialViewState: this.viewState,
        parent: this.canvas,
        onClick: (info) => this.onClick(info),
        onViewStateChange: ({ viewState }) => this.onZoom(viewState.zoom),
        onAfterRender: () => this.onAfterRender(),
      });
      this.loadGeometry(this.config.geometryUrl).then(() => this.refreshStatus()).catch((error) => this.fail(error));
    }

    fail(error) {
      this.root.querySelector("[data-map-loading]").textContent = `The map could not load: ${error.message}`;
      this.root.querySelector("[data-map-loading]").hidden = false;
    }

    fitBounds(bounds) {
      if (!bounds || bounds.length !== 4 || !this.canvas.clientWidth) return null;
      const viewport = new deck.WebMercatorViewport({ width: this.canvas.clientWidth, height: this.canvas.clientHeight });
      const { longitude, latitude, zoom } = viewport.fitBounds([[bounds[0], bounds[1]], [bounds[2], bounds[3]]], { padding: 24 });
      return { longitude, latitude, zoom, minZoom: 7, maxZoom: 19 };
    }

    flyTo(target) {
      this.viewState = { ...target, transitionDuration: 600, transitionInterpolator: new deck.FlyToInterpolator() };
      this.zoom = target.zoom;
      this.render();
    }

    async loadGeometry(url) {
      const response = await fetch(url, { credentials: "same-origin" });
      if (!response.ok) throw new Error(`geometry: HTTP ${response.status}`);
      const buffer = await response.arrayBuffer();
      this.model = buildModel(buffer);
      this.metrics.geometryBytes = buffer.byteLength;
      this.status = null;
      this.statusTag = null;
      this.memo = {};
      this.version += 1;
      this.awaitingFirstDraw = true;
      this.collectOpenDevices();
      this.root.querySelector("[data-map-loading]").hidden = true;
      this.render();
      // A link such as /map/?q=FU-00012 (from an outage) opens the map focused on that asset, once.
      const wanted = new URLSearchParams(window.location.search).get("q");
      if (wanted && !this.searchedFromUrl) {
        this.searchedFromUrl = true;
        const form = this.root.querySelector("[data-map-search]");
        if (form) form.q.value = wanted;
        this.search(wanted);
      }
    }

    async refreshStatus() {
      if (!this.model) return;
      const started = performance.now();
      const response = await fetch(this.config.statusUrl, { credentials: "same-origin", cache: "no-cache" });
      if (!response.ok) throw new Error(`status: HTTP ${response.status}`);
      const tag = response.headers.get("ETag");
      const buffer = await response.arrayBuffer();
      if (tag && tag === this.statusTag) { this.showMeta(); return; }
      const status = decodeStatus(buffer);
      if (status.structure !== this.model.structure) {
        // The network was edited: reload its geometry once, then apply the status.
        if (!this.loadingGeometry) {
          const url = this.config.geometryUrlTemplate.replace("{structure}", status.structure);
          this.loadingGeometry = this.loadGeometry(url).finally(() => { this.loadingGeometry = null; });
        }
        await this.loadingGeometry;
        return this.refreshStatus();
      }
      this.status = status;
      this.statusTag = tag;
      this.collectOpenDevices();
      const loadingMode = this.root.querySelector("[data-mode-loading]");
      if (loadingMode) loadingMode.hidden = !(status.flags & 1);
      this.statusAt = new Date();
      this.version += 1;
      this.pendingFrame = started;
      this.render();
      this.showMeta();
    }

    showMeta() {
      if (!this.meta || !this.status) return;
      let dead = 0, outage = 0;
      for (const v of this.status.segments) { const e = v & 3; if (e === DEENERGIZED) dead++; else if (e === OUTAGE) outage++; }
      let abnormal = 0;
      for (const v of this.status.devices) if (((v >> 2) & 3) >= SWITCH_OPEN_ABNORMAL) abnormal++;
      const total = this.status.segments.length;
      this.meta.textContent = `Network v${this.status.structure}.${this.status.state}: ${(total - dead - outage).toLocaleString()} of ${total.toLocaleString()} segments energized, ${dead.toLocaleString()} de-energized, ${outage.toLocaleString()} in active outages; ${abnormal} ${abnormal === 1 ? "device" : "devices"} in an abnormal state. Status at ${(this.statusAt || new Date()).toLocaleTimeString()}.`;
      this.meta.dataset.deenergized = String(dead);
      this.meta.dataset.state = String(this.status.state);
    }

    schedule() {
      const seconds = Math.max(1, Number(this.config.refreshSeconds) || 10);
      clearTimeout(this.timer);
      this.timer = setTimeout(() => this.tick(), seconds * 1000);
    }

    async tick() {
      if (document.visibilityState === "visible") {
        try { await this.refreshStatus(); } catch (error) { this.meta.textContent = `Status refresh failed (${error.message}); retrying.`; }
      }
      this.schedule();
    }

    /** Detail layers appear and disappear as the zoom crosses their thresholds. */
    onZoom(zoom) {
      const thresholds = Object.values(this.config.detailLayerMinZoom || {});
      const before = this.zoom || 0;
      this.zoom = zoom;
      if (thresholds.some((t) => (before >= t) !== (zoom >= t))) setTimeout(() => this.render(), 0);
    }

    /** Devices not in their plain closed state: drawn at every zoom (ties, open and abnormal devices). */
    collectOpenDevices() {
      const m = this.model;
      const picked = [];
      for (let i = 0; i < m.header.counts.devices; i++) if (this.deviceSwitch(i) !== 0) picked.push(i);
      const positions = new Float32Array(picked.length * 2);
      picked.forEach((d, k) => { positions[2 * k] = m.s.device_positions[2 * d]; positions[2 * k + 1] = m.s.device_positions[2 * d + 1]; });
      this.openDevices = { length: picked.length, deviceIndex: Uint32Array.from(picked), attributes: { getPosition: { value: positions, size: 2 } } };
    }

    onAfterRender() {
      this.metrics.frames += 1;
      if (this.awaitingFirstDraw && this.model) {
        this.awaitingFirstDraw = false;
        this.metrics.navigationToFirstDrawMs = performance.now();
        this.root.dataset.mapReady = "true";
        this.schedule();
      }
      if (this.pendingFrame !== null) {
        this.metrics.statusToFrameMs = performance.now() - this.pendingFrame;
        this.pendingFrame = null;
        this.root.dataset.statusState = this.meta ? this.meta.dataset.state || "" : "";
      }
    }

    /** Redraw now and wait for the GPU (software rendering: the real cost of a full frame). */
    measureFrame() {
      const gl = this.deck.device && this.deck.device.gl;
      const started = performance.now();
      this.deck.redraw("measure");
      if (gl) gl.readPixels(0, 0, 1, 1, gl.RGBA, gl.UNSIGNED_BYTE, new Uint8Array(4));
      return performance.now() - started;
    }

    onClick(info) {
      const asset = this.pickedAsset(info);
      if (!asset) return;
      this.highlight(asset);
      this.render();
      this.openDetail(asset.kind, asset.ref);
    }

    bindControls() {
      const root = this.root;
      for (const radio of root.querySelectorAll("input[name=map-mode]")) {
        radio.addEventListener("change", () => {
          this.mode = radio.value;
          for (const legend of root.querySelectorAll("[data-legend]")) legend.hidden = legend.dataset.legend !== this.mode;
          this.version += 1;
          this.render();
        });
      }
      for (const box of root.querySelectorAll("[data-layer]")) {
        box.addEventListener("change", () => { this.visible[box.dataset.layer] = box.checked; this.render(); });
      }
      const stationSelect = root.querySelector("[data-filter=substation]");
      const feederSelect = root.querySelector("[data-filter=feeder]");
      const applyFilter = () => {
        const m = this.model;
        if (!m) return;
        const stationCode = stationSelect.value;
        for (const option of feederSelect.options) {
          option.hidden = Boolean(stationCode && option.value && option.dataset.substation !== stationCode);
        }
        if (feederSelect.selectedOptions[0] && feederSelect.selectedOptions[0].hidden) feederSelect.value = "";
        this.filter.substation = m.header.substations.findIndex((s) => s[0] === stationCode);
        this.filter.feeder = m.header.feeders.findIndex((f) => f[0] === feederSelect.value);
        this.version += 1;
        this.showFeederLegend();
        const box = this.filterBounds();
        if (box) this.flyTo(this.fitBounds(box)); else this.render();
      };
      stationSelect.addEventListener("change", applyFilter);
      feederSelect.addEventListener("change", applyFilter);
      this.applyFilter = applyFilter;
      const form = root.querySelector("[data-map-search]");
      form.addEventListener("submit", (event) => { event.preventDefault(); this.search(form.q.value); });
      document.addEventListener("visibilitychange", () => { if (document.visibilityState === "visible" && this.model) this.tick(); });
    }

    filterBounds() {
      const m = this.model;
      const chosen = [];
      m.header.feeders.forEach((f, i) => {
        if ((this.filter.feeder >= 0 && i === this.filter.feeder) || (this.filter.feeder < 0 && f[1] === this.filter.substation)) chosen.push(i);
      });
      if (!chosen.length) return this.config.bounds;
      const box = [Infinity, Infinity, -Infinity, -Infinity];
      for (const i of chosen) for (const [x, y] of m.outlineRings[i]) {
        box[0] = Math.min(box[0], x); box[1] = Math.min(box[1], y); box[2] = Math.max(box[2], x); box[3] = Math.max(box[3], y);
      }
      return box;
    }

    showFeederLegend() {
      const list = this.root.querySelector("[data-feeder-legend]");
      if (!list) return;
      list.replaceChildren();
      if (this.filter.substation < 0 && this.filter.feeder < 0) return;
      const palette = this.config.colours.feeder;
      this.model.header.feeders.forEach((f, i) => {
        if (!this.passesFilter(i)) return;
        const item = document.createElement("li");
        const swatch = document.createElement("span");
        swatch.className = "swatch";
        swatch.style.background = `rgb(${palette[f[2] % palette.length].slice(0, 3).join(",")})`;
        item.append(swatch, document.createTextNode(f[0]));
        list.append(item);
      });
    }

    async search(query) {
      const result = this.root.querySelector("[data-search-result]");
      const text = (query || "").trim();
      if (!text) { result.textContent = "Type an asset or meter id."; return; }
      const response = await fetch(`${this.config.locateUrl}?q=${encodeURIComponent(text)}`, { credentials: "same-origin" });
      const found = await response.json();
      if (!response.ok) { result.textContent = found.detail; result.classList.add("error"); return; }
      result.classList.remove("error");
      result.textContent = found.label;
      if (found.kind === "feeder") {
        const feederSelect = this.root.querySelector("[data-filter=feeder]");
        const option = Array.from(feederSelect.options).find((o) => o.value === found.ref);
        this.root.querySelector("[data-filter=substation]").value = option ? option.dataset.substation : "";
        feederSelect.value = found.ref;
        this.highlight(null);
        this.applyFilter();
        return;
      }
      this.highlight(found.path ? { path: found.path } : { position: [found.lon, found.lat] });
      this.flyTo({ longitude: found.lon, latitude: found.lat, zoom: 15, minZoom: 7, maxZoom: 19 });
      if (found.detail_url) htmx.ajax("GET", found.detail_url, { target: "#asset-panel", swap: "outerHTML" });
    }
  }

  function init(root) {
    if (root.dataset.mapInitialised) return;
    root.dataset.mapInitialised = "true";
    window.fluxMap = new OperationsMap(root);
  }

  function initAll(scope) {
    for (const root of (scope || document).querySelectorAll("[data-map]")) init(root);
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", () => initAll());
  else initAll();
  document.addEventListener("htmx:load", (event) => initAll(event.detail.elt.parentNode || document));
})();
