<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="zh_CN">
  <context>
    <name>ree_damage</name>
    <message>
      <source>Rare-earth damage</source>
      <translation>稀土损害鉴定</translation>
    </message>
    <message>
      <source>About and dependencies…</source>
      <translation>关于与依赖库…</translation>
    </message>
    <message>
      <source>Rare-earth damage assessment</source>
      <translation>稀土生态环境损害鉴定评估</translation>
    </message>
    <message>
      <source>Rare-earth damage assessment (稀土生态环境损害鉴定评估)</source>
      <translation>稀土生态环境损害鉴定评估</translation>
    </message>
    <message>
      <source>Create sample case…</source>
      <translation>生成示例案例…</translation>
    </message>
    <message>
      <source>Reproject to CGCS2000 zone…</source>
      <translation>转换到2000国家大地坐标系分带…</translation>
    </message>
    <message>
      <source>Install them with:</source>
      <translation>安装命令：</translation>
    </message>
    <message>
      <source>All libraries found.</source>
      <translation>依赖库齐全。</translation>
    </message>
    <message>
      <source>ree_damage cannot start: {0}. Install them with: {1}</source>
      <translation>ree_damage 无法启动：{0}。安装命令：{1}</translation>
    </message>
    <message>
      <source>Missing libraries:</source>
      <translation>缺少的依赖库：</translation>
    </message>
    <message>
      <source>Missing libraries: {0}. See 'About and dependencies…' in the menu.</source>
      <translation>缺少依赖库：{0}。请见菜单中的“关于与依赖库…”。</translation>
    </message>
    <message>
      <source>Sample case (synthetic)</source>
      <translation>示例案例（合成数据）</translation>
    </message>
    <message>
      <source>Writes a synthetic but realistic illegal in-situ leaching site in southern Jiangxi (about 115.0 E, 25.0 N; CGCS2000 3-degree zone CM 114E, EPSG:4547): case boundary, injection holes, collection ditches, settling ponds, preparation pools, control area, DEMs before and after mining, a drone orthomosaic, sampled points and a lab result sheet (CSV and XLSX, with values below detection limit), and a case file. Every file is marked synthetic. The same seed and scale always give the same bytes. Use it to learn the workflow and to check an installation; never as evidence.</source>
      <translation type="unfinished" />
    </message>
    <message>
      <source>Output folder</source>
      <translation>输出文件夹</translation>
    </message>
    <message>
      <source>Folder that receives the case files; existing files of the same name are replaced.</source>
      <translation>存放案例文件的文件夹；同名文件将被替换。</translation>
    </message>
    <message>
      <source>Scale factor (area)</source>
      <translation>规模系数（面积）</translation>
    </message>
    <message>
      <source>Multiplies the site area; 1 gives about 7 ha. Large factors are for benchmarks.</source>
      <translation>按倍数放大场地面积；1 约为 7 公顷。大系数用于性能测试。</translation>
    </message>
    <message>
      <source>Random seed</source>
      <translation>随机种子</translation>
    </message>
    <message>
      <source>The same seed and scale give byte-identical files.</source>
      <translation>相同的种子和规模系数生成逐字节相同的文件。</translation>
    </message>
    <message>
      <source>Sample case layers</source>
      <translation>示例案例图层</translation>
    </message>
    <message>
      <source>Case file</source>
      <translation>案例文件</translation>
    </message>
    <message>
      <source>Reproject to CGCS2000 zone</source>
      <translation>转换到2000国家大地坐标系分带</translation>
    </message>
    <message>
      <source>Reprojects one or more vector layers into the CGCS2000 Gauss-Kruger zone picked from the centre of their combined extent (3-degree zones EPSG:4534-4554 by default), so every layer lands in the same zone and areas and distances are measured in metres. Point layers get CGCS2000 longitude and latitude fields in decimal degrees and in degrees-minutes-seconds for the field team. Each layer is written to a GeoPackage in the output folder with a provenance record beside it.</source>
      <translation type="unfinished" />
    </message>
    <message>
      <source>Layers to reproject</source>
      <translation>待转换图层</translation>
    </message>
    <message>
      <source>Vector layers in any CRS; a layer without a CRS is refused.</source>
      <translation>任意坐标系的矢量图层；无坐标系的图层将被拒绝。</translation>
    </message>
    <message>
      <source>Zone width</source>
      <translation>分带宽度</translation>
    </message>
    <message>
      <source>3-degree zones are the norm for large-scale survey maps (1:500 to 1:10 000).</source>
      <translation>大比例尺（1:500 至 1:10 000）测量图件通常采用3°带。</translation>
    </message>
    <message>
      <source>Zone number as easting prefix</source>
      <translation>横坐标加带号</translation>
    </message>
    <message>
      <source>Use the CRS whose eastings carry the zone number (e.g. 38 500 000 m).</source>
      <translation>使用横坐标前加带号的坐标系（如 38 500 000 m）。</translation>
    </message>
    <message>
      <source>Zone CRS (overrides the automatic choice)</source>
      <translation>分带坐标系（替代自动选择）</translation>
    </message>
    <message>
      <source>A CGCS2000 Gauss-Kruger CRS (EPSG:4491-4554); leave empty to pick from the extent.</source>
      <translation>2000国家大地坐标系高斯-克吕格投影坐标系（EPSG:4491-4554）；留空则按范围自动选择。</translation>
    </message>
    <message>
      <source>One GeoPackage per layer, named &lt;layer&gt;_cgcs2000.gpkg, plus provenance.</source>
      <translation>每个图层输出一个 GeoPackage（&lt;图层&gt;_cgcs2000.gpkg）及溯源记录。</translation>
    </message>
    <message>
      <source>Reprojected layers</source>
      <translation>转换后的图层</translation>
    </message>
    <message>
      <source>Zone CRS</source>
      <translation>分带坐标系</translation>
    </message>
    <message>
      <source>No layer given.</source>
      <translation>未提供图层。</translation>
    </message>
    <message>
      <source>3 degrees</source>
      <translation>3°带</translation>
    </message>
    <message>
      <source>6 degrees</source>
      <translation>6°带</translation>
    </message>
    <message>
      <source>Canceled: nothing was written.</source>
      <translation>已取消：未写入任何文件。</translation>
    </message>
    <message>
      <source>Wrote {0} ({1} features) in {2}</source>
      <translation>已写入 {0}（{1} 个要素），坐标系 {2}</translation>
    </message>
    <message>
      <source>Tools</source>
      <translation>工具</translation>
    </message>
    <message>
      <source>Survey design</source>
      <translation>调查布点</translation>
    </message>
    <message>
      <source>Analysis</source>
      <translation>分析</translation>
    </message>
    <message>
      <source>Damage</source>
      <translation>损害确认与量化</translation>
    </message>
    <message>
      <source>Valuation</source>
      <translation>价值量化</translation>
    </message>
    <message>
      <source>Report</source>
      <translation>报告图件</translation>
    </message>
    <message>
      <source>Case</source>
      <translation>案件</translation>
    </message>
    <message>
      <source>Rare-earth damage assessment (稀土生态环境损害鉴定评估) {0}</source>
      <translation>稀土生态环境损害鉴定评估 {0}</translation>
    </message>
  </context>
</TS>
