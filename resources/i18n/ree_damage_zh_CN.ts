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
      <source>Case panel</source>
      <translation>案件面板</translation>
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
      <source>How to install…</source>
      <translation>如何安装…</translation>
    </message>
    <message>
      <source>Rare-earth damage assessment (稀土生态环境损害鉴定评估)</source>
      <translation>稀土生态环境损害鉴定评估</translation>
    </message>
    <message>
      <source>Install them with these commands, one per line, in a terminal:</source>
      <translation>在终端中逐行运行以下命令安装：</translation>
    </message>
    <message>
      <source>From a source checkout, instead: make install-plugin</source>
      <translation>若使用源码目录，也可运行：make install-plugin</translation>
    </message>
    <message>
      <source>Then restart QGIS.</source>
      <translation>然后重新启动 QGIS。</translation>
    </message>
    <message>
      <source>Copy the commands</source>
      <translation>复制命令</translation>
    </message>
    <message>
      <source>All libraries found.</source>
      <translation>依赖库齐全。</translation>
    </message>
    <message>
      <source>ree_damage cannot start: {0}. Install them with (one command per line):
{1}</source>
      <translation>ree_damage 无法启动：{0}。请逐行运行以下命令安装：
{1}</translation>
    </message>
    <message>
      <source>Missing libraries: {0}</source>
      <translation>缺少依赖库：{0}</translation>
    </message>
    <message>
      <source>Missing libraries:</source>
      <translation>缺少的依赖库：</translation>
    </message>
    <message>
      <source>{0} is missing (&gt;= {2} needed)</source>
      <translation>缺少 {0}（需要 &gt;= {2}）</translation>
    </message>
    <message>
      <source>{0} {1} is too old (&gt;= {2} needed)</source>
      <translation>{0} {1} 版本过旧（需要 &gt;= {2}）</translation>
    </message>
    <message>
      <source>Canceled: nothing was written.</source>
      <translation>已取消：未写入任何文件。</translation>
    </message>
    <message>
      <source>No raster layer given</source>
      <translation>未提供栅格图层</translation>
    </message>
    <message>
      <source>The folder of output {0} does not exist: {1}. Create it, or choose another place for {2}.</source>
      <translation>输出 {0} 的文件夹不存在：{1}。请先创建该文件夹，或为 {2} 另选保存位置。</translation>
    </message>
    <message>
      <source>Could not load source layer '{0}'</source>
      <translation>无法加载源图层“{0}”</translation>
    </message>
    <message>
      <source>Cannot write mixed geometry types {0} to one layer</source>
      <translation>无法将混合几何类型 {0} 写入同一图层</translation>
    </message>
    <message>
      <source>Cannot read raster layer '{0}'</source>
      <translation>无法读取栅格图层“{0}”</translation>
    </message>
    <message>
      <source>Cannot export raster layer '{0}' ({1})</source>
      <translation>无法导出栅格图层“{0}”（{1}）</translation>
    </message>
    <message>
      <source>Baseline</source>
      <translation>基线确定</translation>
    </message>
    <message>
      <source>Determines the baseline of each indicator from the control (reference) samples with a chosen statistic: mean + 2 SD after a Shapiro-Wilk normality test, on logarithms when the values are not normal; the 90th or 95th percentile; the upper tolerance limit UTL95-95; or the maximum. Each row records the statistic, the number of samples, the test result and how many values were below the detection limit and how they were substituted. Below 5 control samples it warns; below 3 it refuses unless allowed. A screening standard (GB 15618-2018 by pH band and land use, GB 36600-2018, GB/T 14848-2017) can be added as a second comparison or used alone. pH is a decreasing indicator: its baseline is a lower limit.</source>
      <translation>以对照样品确定各指标的基线，统计方法可选：Shapiro-Wilk 正态检验后取均值+2倍标准差（不满足正态时取对数）；第90或第95百分位数；容许上限 UTL95-95；或最大值。每行记录统计方法、样本数、检验结果、低于检出限的数量及其替代方法。对照样品少于5个时给出警告，少于3个时拒绝计算（除非允许）。可加入筛选值标准（GB 15618-2018 按pH分档和用地类型、GB 36600-2018、GB/T 14848-2017）作为第二种比较依据，或单独使用。pH为递减型指标，其基线为下限。</translation>
    </message>
    <message>
      <source>Lab results</source>
      <translation>检测结果</translation>
    </message>
    <message>
      <source>Output of Import lab results (value and flag column per indicator).</source>
      <translation>“导入检测结果”的输出（每个指标一列数值、一列标记）。</translation>
    </message>
    <message>
      <source>Control sample ids (regular expression)</source>
      <translation>对照样品编号（正则表达式）</translation>
    </message>
    <message>
      <source>Samples whose id matches are the control samples; the default takes CTRL-nnn points.</source>
      <translation>编号匹配的样品为对照样品；默认取 CTRL-nnn 点位。</translation>
    </message>
    <message>
      <source>Statistic</source>
      <translation>统计方法</translation>
    </message>
    <message>
      <source>How the control samples give the baseline; recorded in every row.</source>
      <translation>由对照样品确定基线的方法；每行均记录。</translation>
    </message>
    <message>
      <source>Values below detection limit</source>
      <translation>低于检出限的数值</translation>
    </message>
    <message>
      <source>Number used for a censored value in the statistic (DL/2 by default); recorded.</source>
      <translation>统计时低于检出限数值的替代值（默认检出限的一半）；予以记录。</translation>
    </message>
    <message>
      <source>Allow fewer than 3 control samples</source>
      <translation>允许对照样品少于3个</translation>
    </message>
    <message>
      <source>Computes anyway and says so in the note; a court may not accept it.</source>
      <translation>仍然计算并在备注中说明；法庭可能不予采纳。</translation>
    </message>
    <message>
      <source>Screening standard</source>
      <translation>筛选值标准</translation>
    </message>
    <message>
      <source>Adds the screening values of a standard (used alone when no lab results are given).</source>
      <translation>加入标准的筛选值（无检测结果时单独使用）。</translation>
    </message>
    <message>
      <source>Land use (screening standard)</source>
      <translation>用地类型（筛选值标准）</translation>
    </message>
    <message>
      <source>GB 15618 values depend on land use and pH; GB 36600 on the land class.</source>
      <translation>GB 15618 的筛选值取决于用地类型和pH；GB 36600 取决于用地类别。</translation>
    </message>
    <message>
      <source>Soil pH (screening standard)</source>
      <translation>土壤pH（筛选值标准）</translation>
    </message>
    <message>
      <source>Picks the pH band of GB 15618-2018.</source>
      <translation>用于选择 GB 15618-2018 的pH分档。</translation>
    </message>
    <message>
      <source>Baseline table</source>
      <translation>基线表</translation>
    </message>
    <message>
      <source>One row per indicator: baseline, unit, statistic, n, test, censored count, source.</source>
      <translation>每个指标一行：基线值、单位、统计方法、样本数、检验、低于检出限数、来源。</translation>
    </message>
    <message>
      <source>Reading the lab results</source>
      <translation>读取检测结果</translation>
    </message>
    <message>
      <source>Computing the baseline</source>
      <translation>计算基线</translation>
    </message>
    <message>
      <source>Writing the baseline table</source>
      <translation>写出基线表</translation>
    </message>
    <message>
      <source>Give lab results with control samples, a screening standard, or both.</source>
      <translation>请提供含对照样品的检测结果、筛选值标准或两者。</translation>
    </message>
    <message>
      <source>Mean + 2 SD (normality test, log fallback)</source>
      <translation>均值+2倍标准差（正态检验，不满足时取对数）</translation>
    </message>
    <message>
      <source>90th percentile</source>
      <translation>第90百分位数</translation>
    </message>
    <message>
      <source>95th percentile</source>
      <translation>第95百分位数</translation>
    </message>
    <message>
      <source>Upper tolerance limit UTL95-95</source>
      <translation>容许上限 UTL95-95</translation>
    </message>
    <message>
      <source>Maximum</source>
      <translation>最大值</translation>
    </message>
    <message>
      <source>None</source>
      <translation>无</translation>
    </message>
    <message>
      <source>Not applicable</source>
      <translation>不适用</translation>
    </message>
    <message>
      <source>Paddy field</source>
      <translation>水田</translation>
    </message>
    <message>
      <source>Orchard</source>
      <translation>果园</translation>
    </message>
    <message>
      <source>Other agricultural</source>
      <translation>其他农用地</translation>
    </message>
    <message>
      <source>Construction land class 1</source>
      <translation>第一类建设用地</translation>
    </message>
    <message>
      <source>Construction land class 2</source>
      <translation>第二类建设用地</translation>
    </message>
    <message>
      <source>Bad control pattern: {0}</source>
      <translation>对照样品编号表达式有误：{0}</translation>
    </message>
    <message>
      <source>{0} control samples match {1}</source>
      <translation>{0} 个对照样品匹配 {1}</translation>
    </message>
    <message>
      <source>Import lab results</source>
      <translation>导入检测结果</translation>
    </message>
    <message>
      <source>Reads a lab result sheet as labs deliver it (CSV or XLSX; one row per sample, one column per indicator; units in the header or in a units row; Chinese or English headers) and joins it to the sample points by sample id (&lt;point&gt;-&lt;depth in cm&gt;). Values below the detection limit ('&lt;0.05', 'ND', '未检出', '&lt;DL') stay censored: the value column holds the detection limit and the flag column holds '&lt;'; no number is substituted here (a later step applies DL/2, DL or 0 when it needs one, and records the choice). Units are converted to the catalogue unit (mg/kg for soil). Unknown or duplicate sample ids, text in number columns (a 'n/a' or a dash too, unless asked to read them as missing values), negative values and missing or mixed units stop the run with every problem listed by sheet row and column; nothing is written then.</source>
      <translation>读取实验室提交的检测结果表（CSV 或 XLSX；每行一个样品、每列一项指标；单位在表头或单独的单位行；中文或英文表头），按样品编号（&lt;点位&gt;-&lt;深度cm&gt;）关联到样品点位。低于检出限的数值（“&lt;0.05”、“ND”、“未检出”、“&lt;DL”）保持为删失值：数值列为检出限，标记列为“&lt;”；此处不作数值替代（后续步骤需要时按检出限的一半、检出限或0替代并记录）。单位统一换算为指标目录单位（土壤为 mg/kg）。样品编号未知或重复、数值列含文字（包括“n/a”或短横线，除非选择将其读作缺失值）、负值、单位缺失或混用时停止运行，逐一列出表中的行和列；此时不写出任何文件。</translation>
    </message>
    <message>
      <source>Lab sheet (CSV or XLSX)</source>
      <translation>检测结果表（CSV 或 XLSX）</translation>
    </message>
    <message>
      <source>The lab's result sheet, as delivered.</source>
      <translation>实验室提交的检测结果表原件。</translation>
    </message>
    <message>
      <source>Worksheet (XLSX)</source>
      <translation>工作表（XLSX）</translation>
    </message>
    <message>
      <source>Name of the worksheet holding the results; the first one by default.</source>
      <translation>检测结果所在工作表名称；默认第一个。</translation>
    </message>
    <message>
      <source>Planned samples</source>
      <translation>计划样品</translation>
    </message>
    <message>
      <source>The depth schedule (sample_id): sheet ids not in it are reported, and planned samples without results are listed.</source>
      <translation>深度方案（sample_id）：报告不在其中的结果表编号，并列出没有检测结果的计划样品。</translation>
    </message>
    <message>
      <source>Medium</source>
      <translation>介质</translation>
    </message>
    <message>
      <source>Decides the target unit of each indicator (mg/kg for soil and sediment, mg/L for water).</source>
      <translation>决定各指标的目标单位（土壤和底泥为 mg/kg，水为 mg/L）。</translation>
    </message>
    <message>
      <source>Sheet rows with an unknown sample id</source>
      <translation>样品编号未知的行</translation>
    </message>
    <message>
      <source>Unknown ids usually mean a typing error in the sheet or a missing point.</source>
      <translation>编号未知通常是结果表录入错误或缺少点位。</translation>
    </message>
    <message>
      <source>Cells holding 'n/a', '-' or '—'</source>
      <translation>含“n/a”“-”或“—”的单元格</translation>
    </message>
    <message>
      <source>A lab's 'n/a' or dash may hide a result it forgot to enter: by default it stops the run naming the sheet row and column. A blank cell is always a missing value.</source>
      <translation>实验室填写的“n/a”或短横线可能掩盖漏填的结果：默认停止运行并指出表中的行和列。空白单元格始终视为缺失值。</translation>
    </message>
    <message>
      <source>Detection limits for ND cells</source>
      <translation>未检出单元格的检出限</translation>
    </message>
    <message>
      <source>E.g. 'Cd=0.05; Hg=0.002', in the sheet's units, for 'ND'/'未检出' cells when neither a row of the sheet nor a limits worksheet of the workbook gives them.</source>
      <translation>如“Cd=0.05; Hg=0.002”，使用结果表的单位；用于结果表某行或工作簿的检出限工作表均未给出检出限的“ND”/“未检出”单元格。</translation>
    </message>
    <message>
      <source>Lab results at sample points</source>
      <translation>样品点位检测结果</translation>
    </message>
    <message>
      <source>One point per sample: sample_id, point_id, depth_cm, and per indicator a value and a flag.</source>
      <translation>每个样品一个点：样品编号、点位编号、深度（cm），以及各指标的数值和标记。</translation>
    </message>
    <message>
      <source>Indicators found</source>
      <translation>识别出的指标</translation>
    </message>
    <message>
      <source>Each indicator column: code, names, unit in the sheet, conversion, censored count.</source>
      <translation>每个指标列：代码、名称、表中单位、换算系数、低于检出限数。</translation>
    </message>
    <message>
      <source>Sampling points</source>
      <translation>采样点位</translation>
    </message>
    <message>
      <source>Points with point_id: each sample is placed at its point.</source>
      <translation>含 point_id 的点位：每个样品定位于其点位。</translation>
    </message>
    <message>
      <source>Control points</source>
      <translation>对照点位</translation>
    </message>
    <message>
      <source>Control points with point_id (CTRL-nnn).</source>
      <translation>含 point_id 的对照点位（CTRL-nnn）。</translation>
    </message>
    <message>
      <source>Reading the sample points</source>
      <translation>读取采样点</translation>
    </message>
    <message>
      <source>Reading the lab sheet and placing the samples</source>
      <translation>读取检测报告表并定位样品</translation>
    </message>
    <message>
      <source>Writing the lab results</source>
      <translation>写出检测结果</translation>
    </message>
    <message>
      <source>Soil</source>
      <translation>土壤</translation>
    </message>
    <message>
      <source>Sediment</source>
      <translation>底泥</translation>
    </message>
    <message>
      <source>Groundwater</source>
      <translation>地下水</translation>
    </message>
    <message>
      <source>Surface water</source>
      <translation>地表水</translation>
    </message>
    <message>
      <source>Stop with an error</source>
      <translation>报错并停止</translation>
    </message>
    <message>
      <source>Warn and leave them out</source>
      <translation>警告并剔除</translation>
    </message>
    <message>
      <source>Read as missing values, each reported</source>
      <translation>读作缺失值并逐个报告</translation>
    </message>
    <message>
      <source>{0} samples, {1} indicators from {2}</source>
      <translation>{0} 个样品、{1} 项指标，来自 {2}</translation>
    </message>
    <message>
      <source>Planned samples without lab results: {0}</source>
      <translation>无检测结果的计划样品：{0}</translation>
    </message>
    <message>
      <source>Detection limits of {0} indicators read from the workbook's limits sheet</source>
      <translation>已从工作簿的检出限工作表读取 {0} 项指标的检出限</translation>
    </message>
    <message>
      <source>Interpolate (IDW, kriging)</source>
      <translation>空间插值</translation>
    </message>
    <message>
      <source>Interpolates one or more indicators (and each depth layer separately) onto a raster masked to the case area. IDW uses the 12 nearest points with power 2 by default (0 neighbours: all points, like QGIS's own IDW); the settings are stated in the method table. Ordinary kriging fits a variogram automatically (spherical, exponential or Gaussian, weighted least squares, with a nugget; optional geometric anisotropy) and kriges each cell from its k nearest points (0: all points); an optional log transform is back-transformed as lognormal kriging, C* = exp(Y* + sigma^2/2 - m), and the log-scale prediction and variance are written too (the exceedance probability uses them); a linear or quadratic trend can be removed first.&lt;br&gt;&lt;br&gt;&lt;b&gt;Weak data get an honest answer.&lt;/b&gt; The automatic fit also tries a pure nugget (no spatial correlation, chosen by AIC); a permutation test (499 shuffles of the values among the locations, seed 0) asks whether pairs at short lags are more alike than random pairs; and kriging must predict better than the mean of the other samples (leave one out). When a check fails, or the fit stops on the lower bound of the range or with no partial sill, or the range is shorter than the smallest lag fitted, the kriging surface is replaced by the declared fallback: the sample mean with its prediction variance s²(1 + 1/n) (default), IDW, or none (krige anyway). The method table says which was used and why; every warning (also fewer than 30 samples, a range longer than the samples' extent) is in the log and, by code, in the cross-validation table.&lt;br&gt;&lt;br&gt;&lt;b&gt;Variogram choices&lt;/b&gt; (advanced): the model or automatic; fixed nugget, partial sill and range (all three with a named model: another tool's variogram reproduced, nothing fitted); the lag preset "plugin default" (12 lags to half the diagonal, Cressie's weights, lags with 30 pairs or more) or "as gstat" (15 lags to a third of the diagonal, N_j/h_j² weights, every non-empty lag: R gstat's defaults), and each of its settings overridden one by one.&lt;br&gt;&lt;b&gt;Range convention&lt;/b&gt;: the range is PyKrige's. Spherical: the same as gstat's and ArcGIS's. Exponential: the practical range (95 % of the sill) = 3 × gstat's Exp range = ArcGIS's range. Gaussian: 7/4 × gstat's Gau range = 1.0104 × ArcGIS's range. Anisotropy: direction counter-clockwise from east = 90 − gstat's or ArcGIS's azimuth; ratio = 1 / gstat's minor/major ratio.&lt;br&gt;&lt;br&gt;Every run is cross-validated (leave one out: RMSE, mean error, mean standardised squared error) and, with several methods, a comparison table ranks them so the report can justify its choice. Outputs, in the CGCS2000 zone CRS, tiled and compressed, nodata outside the case area: prediction, kriging variance, the probability of exceeding the baseline (Gaussian kriging error on the kriged scale), and a variogram plot. Values below the detection limit are substituted by the chosen rule (DL/2 by default), recorded in the provenance. Kriging needs at least 10 points; duplicate locations are averaged with a warning.</source>
      <translation>将一个或多个指标（各深度层分别）插值为按案涉范围掩膜的栅格。反距离加权默认取最近 12 个点、幂指数 2（邻近点数为 0：全部点，同 QGIS 自带 IDW）；设置写入方法比较表。普通克里金自动拟合变异函数（球状、指数或高斯模型，加权最小二乘，含块金；可选几何各向异性），每个像元由其 k 个最近点克里金（0：全部点）；可选对数变换，按对数正态克里金回变换 C* = exp(Y* + sigma^2/2 - m)，并同时输出对数尺度的预测值与方差（超标概率即据此计算）；可先去除线性或二次趋势。&lt;br&gt;&lt;br&gt;&lt;b&gt;数据薄弱时如实作答。&lt;/b&gt;自动拟合同时试用纯块金模型（无空间相关，按 AIC 选择）；置换检验（样品值在位置间随机置换 499 次，随机种子 0）检验短滞后距样品对是否比随机配对更相似；克里金的留一预测须优于其余样品的均值。任一检验不通过，或拟合停在变程下限、偏基台为零，或变程短于参与拟合的最小滞后距时，克里金曲面按声明的替代规则替换：样品均值及其预测方差 s²(1 + 1/n)（默认）、反距离加权，或不替换（仍进行克里金）。方法比较表说明实际采用的方法及原因；每条警告（另含样品少于 30 个、变程超过样品分布范围）均写入日志，并以代码记入交叉验证表。&lt;br&gt;&lt;br&gt;&lt;b&gt;变异函数选项&lt;/b&gt;（高级）：模型或自动；固定块金、偏基台与变程（三者均给定且指定模型时不作拟合，可重现其他软件的变异函数）；滞后距预设“插件默认”（12 个滞后距至对角线的一半，Cressie 权重，仅用点对数不少于 30 的滞后距）或“同 gstat”（15 个滞后距至对角线的三分之一，N_j/h_j² 权重，所有非空滞后距：R gstat 的默认设置），其各项设置均可逐项覆盖。&lt;br&gt;&lt;b&gt;变程约定&lt;/b&gt;：变程采用 PyKrige 的定义。球状：与 gstat 和 ArcGIS 相同。指数：实际变程（达到基台值的 95%）= 3 × gstat 的 Exp 变程 = ArcGIS 的变程。高斯：7/4 × gstat 的 Gau 变程 = 1.0104 × ArcGIS 的变程。各向异性：自正东逆时针方向 = 90 − gstat 或 ArcGIS 的方位角；比值 = 1 / gstat 的短轴/长轴比。&lt;br&gt;&lt;br&gt;每次运行均作交叉验证（留一法：均方根误差、平均误差、平均标准化平方误差）；运行多种方法时，比较表按其排序，供报告说明方法选择。输出采用 CGCS2000 分带坐标系，分块压缩，案涉范围外为无数据：预测值、克里金方差、超过基线的概率（克里金尺度上的高斯误差）及变异函数图。低于检出限的值按所选规则替代（默认 DL/2），并记入溯源信息。克里金至少需要 10 个点；重复位置取均值并给出警告。</translation>
    </message>
    <message>
      <source>Sample points with lab results</source>
      <translation>含检测结果的样品点位</translation>
    </message>
    <message>
      <source>E.g. the output of Import lab results, filtered to one medium and the case area.</source>
      <translation>如“导入检测结果”的输出，按介质和案涉范围筛选。</translation>
    </message>
    <message>
      <source>Indicators</source>
      <translation>指标</translation>
    </message>
    <message>
      <source>Indicator value columns to interpolate (their &lt;code&gt;_flag columns mark censored values).</source>
      <translation>待插值的指标数值列（对应的 &lt;代码&gt;_flag 列标记低于检出限的数值）。</translation>
    </message>
    <message>
      <source>Depth layer field</source>
      <translation>深度层字段</translation>
    </message>
    <message>
      <source>Each value of this field (e.g. depth_cm) is interpolated separately.</source>
      <translation>该字段的每个取值（如 depth_cm）分别插值。</translation>
    </message>
    <message>
      <source>Case area (mask)</source>
      <translation>案涉范围（掩膜）</translation>
    </message>
    <message>
      <source>Cells outside are nodata; without it the raster covers the points' extent.</source>
      <translation>范围外的栅格为无数据；不提供时栅格覆盖点位范围。</translation>
    </message>
    <message>
      <source>Cell size</source>
      <translation>栅格大小</translation>
    </message>
    <message>
      <source>Raster cell size in m (the DEM's 2 m by default).</source>
      <translation>栅格边长，m（默认与 DEM 相同的 2 m）。</translation>
    </message>
    <message>
      <source>Methods</source>
      <translation>方法</translation>
    </message>
    <message>
      <source>With both, the comparison table ranks them by cross-validated RMSE.</source>
      <translation>选两种方法时，比较表按交叉验证均方根误差排序。</translation>
    </message>
    <message>
      <source>Variogram model</source>
      <translation>变异函数模型</translation>
    </message>
    <message>
      <source>Automatic fits spherical, exponential and Gaussian and keeps the lowest weighted residual.</source>
      <translation>自动拟合球状、指数和高斯模型，取加权残差最小者。</translation>
    </message>
    <message>
      <source>Fit a nugget</source>
      <translation>拟合块金值</translation>
    </message>
    <message>
      <source>Micro-scale variation and measurement error; keep it unless the data are exact.</source>
      <translation>微尺度变异和测量误差；除非数据无误差，应保留。</translation>
    </message>
    <message>
      <source>Variogram lags and weights</source>
      <translation>变异函数滞后距与权重</translation>
    </message>
    <message>
      <source>The settings below override the preset one by one when given.</source>
      <translation>下列设置一经给定即逐项覆盖预设。</translation>
    </message>
    <message>
      <source>Number of lags (empty: preset)</source>
      <translation>滞后距个数（留空：按预设）</translation>
    </message>
    <message>
      <source>Equal-width lag bins of the experimental variogram.</source>
      <translation>实验变异函数的等宽滞后距分组。</translation>
    </message>
    <message>
      <source>Maximum lag, m (empty: preset)</source>
      <translation>最大滞后距，米（留空：按预设）</translation>
    </message>
    <message>
      <source>Largest pair distance of the experimental variogram (preset: a fraction of the samples' bounding-box diagonal).</source>
      <translation>实验变异函数所用点对的最大距离（预设：样品外包矩形对角线的一定比例）。</translation>
    </message>
    <message>
      <source>Pair weights of the variogram fit</source>
      <translation>变异函数拟合的点对权重</translation>
    </message>
    <message>
      <source>Weights of the lag bins in the least-squares fit (N_j pairs, lag h_j).</source>
      <translation>最小二乘拟合中各滞后距分组的权重（N_j 为点对数，h_j 为滞后距）。</translation>
    </message>
    <message>
      <source>Minimum pairs per lag (empty: preset)</source>
      <translation>每个滞后距的最少点对数（留空：按预设）</translation>
    </message>
    <message>
      <source>Lag bins with fewer pairs are not fitted (unless fewer than 3 bins would be left).</source>
      <translation>点对数更少的滞后距分组不参与拟合（除非剩余分组少于 3 个）。</translation>
    </message>
    <message>
      <source>Where the data show no spatial structure</source>
      <translation>数据未显示空间结构时</translation>
    </message>
    <message>
      <source>What replaces the kriging surface when the structure checks fail; stated in the method table.</source>
      <translation>结构检验不通过时替代克里金曲面的方法；写入方法比较表。</translation>
    </message>
    <message>
      <source>Set negative kriged values to 0</source>
      <translation>将克里金负值置为 0</translation>
    </message>
    <message>
      <source>Ordinary kriging is not bounded by the data and can dip below zero; the share of negative cells is reported either way (the log transform avoids them).</source>
      <translation>普通克里金不受数据范围约束，可能小于零；无论是否置零均报告负值像元比例（对数变换可避免负值）。</translation>
    </message>
    <message>
      <source>Log transform (lognormal kriging)</source>
      <translation>对数变换（对数正态克里金）</translation>
    </message>
    <message>
      <source>For skewed concentrations; back-transformed with the lognormal correction.</source>
      <translation>用于偏态分布的浓度；按对数正态校正进行逆变换。</translation>
    </message>
    <message>
      <source>Trend removal</source>
      <translation>去除趋势</translation>
    </message>
    <message>
      <source>A trend fitted by least squares is removed before kriging and added back.</source>
      <translation>克里金前用最小二乘拟合并去除趋势，之后加回。</translation>
    </message>
    <message>
      <source>Anisotropy ratio (major/minor range)</source>
      <translation>各向异性比（长轴/短轴变程）</translation>
    </message>
    <message>
      <source>1 is isotropic; e.g. 2 where leachate spread twice as far downslope.</source>
      <translation>1 为各向同性；如浸出液顺坡扩散距离为横向两倍时取 2。</translation>
    </message>
    <message>
      <source>Anisotropy direction (degrees from east)</source>
      <translation>各向异性方向（自正东起算，度）</translation>
    </message>
    <message>
      <source>Direction of the major range, counter-clockwise from east.</source>
      <translation>长轴方向，自正东逆时针起算。</translation>
    </message>
    <message>
      <source>The Baseline output: gives the threshold of the probability-of-exceedance raster.</source>
      <translation>“基线确定”的输出：作为超基线概率栅格的阈值。</translation>
    </message>
    <message>
      <source>Number used for a censored value (DL/2 by default); recorded.</source>
      <translation>低于检出限数值的替代值（默认检出限的一半）；予以记录。</translation>
    </message>
    <message>
      <source>Output folder</source>
      <translation>输出文件夹</translation>
    </message>
    <message>
      <source>Rasters, variogram plots and the cross-validation tables, each with provenance.</source>
      <translation>栅格、变异函数图及交叉验证表，均附溯源记录。</translation>
    </message>
    <message>
      <source>IDW power</source>
      <translation>反距离加权幂指数</translation>
    </message>
    <message>
      <source>Distance exponent of IDW.</source>
      <translation>反距离加权的距离指数。</translation>
    </message>
    <message>
      <source>IDW neighbours (0: all points)</source>
      <translation>反距离加权邻近点数（0：全部点）</translation>
    </message>
    <message>
      <source>k nearest points per cell; 0 is global IDW.</source>
      <translation>每个栅格取最近的 k 个点；0 为全局反距离加权。</translation>
    </message>
    <message>
      <source>Kriging neighbours (0: all points)</source>
      <translation>克里金邻近点数（0：全部点）</translation>
    </message>
    <message>
      <source>k nearest points per cell of the local kriging system; 0 krige each cell from every point.</source>
      <translation>每个像元局部克里金方程组所用的最近点数；0 表示每个像元使用全部点。</translation>
    </message>
    <message>
      <source>Fixed nugget (empty: fitted)</source>
      <translation>固定块金值（留空：拟合）</translation>
    </message>
    <message>
      <source>Nugget held at this value (units squared).</source>
      <translation>块金值固定为此值（单位的平方）。</translation>
    </message>
    <message>
      <source>Fixed partial sill (empty: fitted)</source>
      <translation>固定偏基台值（留空：拟合）</translation>
    </message>
    <message>
      <source>Partial sill held at this value (units squared); sill = nugget + partial sill.</source>
      <translation>偏基台值固定为此值（单位的平方）；基台值 = 块金值 + 偏基台值。</translation>
    </message>
    <message>
      <source>Fixed range, m (empty: fitted)</source>
      <translation>固定变程，米（留空：拟合）</translation>
    </message>
    <message>
      <source>Range held at this value, in this plugin's convention: exponential practical range = 3 × gstat's Exp range = ArcGIS's range; Gaussian = 7/4 × gstat's Gau range = 1.0104 × ArcGIS's range; spherical the same everywhere.</source>
      <translation>变程固定为此值，按本插件约定：指数模型实际变程 = 3 × gstat 的 Exp 变程 = ArcGIS 的变程；高斯模型 = 7/4 × gstat 的 Gau 变程 = 1.0104 × ArcGIS 的变程；球状模型各软件相同。</translation>
    </message>
    <message>
      <source>Interpolated rasters</source>
      <translation>插值栅格</translation>
    </message>
    <message>
      <source>Method comparison table</source>
      <translation>方法比较表</translation>
    </message>
    <message>
      <source>Reading the samples, case area and baseline</source>
      <translation>读取样品、案件范围和基线</translation>
    </message>
    <message>
      <source>Fitting variograms, cross-validating and interpolating</source>
      <translation>拟合变异函数、交叉验证并插值</translation>
    </message>
    <message>
      <source>Writing the rasters, plots and tables</source>
      <translation>写出栅格、图件和表格</translation>
    </message>
    <message>
      <source>Choose at least one indicator.</source>
      <translation>请至少选择一个指标。</translation>
    </message>
    <message>
      <source>A fixed range must be above 0 m.</source>
      <translation>固定变程必须大于 0 米。</translation>
    </message>
    <message>
      <source>IDW</source>
      <translation>反距离加权</translation>
    </message>
    <message>
      <source>Ordinary kriging</source>
      <translation>普通克里金</translation>
    </message>
    <message>
      <source>Plugin default (12 lags to half the diagonal, Cressie weights, lags with 30 pairs or more)</source>
      <translation>插件默认（12 个滞后距至对角线的一半，Cressie 权重，仅用点对数不少于 30 的滞后距）</translation>
    </message>
    <message>
      <source>As gstat (15 lags to a third of the diagonal, N_j/h_j² weights, every non-empty lag)</source>
      <translation>同 gstat（15 个滞后距至对角线的三分之一，N_j/h_j² 权重，所有非空滞后距）</translation>
    </message>
    <message>
      <source>From the preset</source>
      <translation>按预设</translation>
    </message>
    <message>
      <source>Cressie: N_j/γ(h_j)²</source>
      <translation>Cressie：N_j/γ(h_j)²</translation>
    </message>
    <message>
      <source>N_j</source>
      <translation>N_j</translation>
    </message>
    <message>
      <source>N_j/h_j² (gstat's default)</source>
      <translation>N_j/h_j²（gstat 默认）</translation>
    </message>
    <message>
      <source>Equal</source>
      <translation>等权</translation>
    </message>
    <message>
      <source>Mean with its uncertainty</source>
      <translation>均值及其不确定度</translation>
    </message>
    <message>
      <source>IDW (the IDW settings above)</source>
      <translation>反距离加权（采用上方的 IDW 设置）</translation>
    </message>
    <message>
      <source>Krige anyway (with the warning)</source>
      <translation>仍进行克里金（附警告）</translation>
    </message>
    <message>
      <source>Linear</source>
      <translation>线性</translation>
    </message>
    <message>
      <source>Quadratic</source>
      <translation>二次</translation>
    </message>
    <message>
      <source>Automatic (best fit)</source>
      <translation>自动（最优拟合）</translation>
    </message>
    <message>
      <source>{0} {1}: RMSE {2}, ME {3}, MSSE {4}</source>
      <translation>{0} {1}：均方根误差 RMSE {2}，平均误差 ME {3}，标准化均方误差 MSSE {4}</translation>
    </message>
    <message>
      <source>{0} {1}: surface made by {2}; {3}</source>
      <translation>{0} {1}：曲面由 {2} 生成；{3}</translation>
    </message>
    <message>
      <source>Causality evidence</source>
      <translation>因果关系证据</translation>
    </message>
    <message>
      <source>The evidence of the causal chain (section 8 of the guideline) for every damaged point, as facts with the rule that produced them, never as a verdict. Homology: the rare earth patterns of the source samples (leachate, pond or ditch sediment), the damaged samples and the controls, normalised to CI chondrite (Sun &amp; McDonough 1989, written beside the results; give your own table element, value_ppm, source to replace it), with the sum of REE, LREE/HREE, (La/Yb)N, Eu/Eu* = EuN / sqrt(SmN x GdN) and Ce/Ce* = CeN / sqrt(LaN x PrN), and the correlation r of each sample's log10 pattern with the mean source pattern; a pattern plot (PNG) per group. Migration path: the D8 downslope path on the depression-filled DEM from every INJ and SETL area; a point is on a path within the tolerance, below a path when a higher path cell lies within the search distance; the distance along the path in m. Groundwater: with well heads, a plane fitted to them and whether each well lies down-gradient of a source. Time order: from the DEMs and the orthomosaics dated in the image-date table (file, date, kind), the first date each source area is seen disturbed (height change above 0.5 m, or vegetation lost: vegetated on the earliest image and bare later, each image cut at its Otsu threshold, on at least 5 % of its cells), the earliest of the two kept, beside the act dates of the case file and the sampling date. Outputs: the evidence table per point, the paths, the REE indices of every sample, a summary per zone, the time order, the normalising values and a paragraph of facts for the report; each with provenance.</source>
      <translation>逐个损害点给出因果关系链（指南第8章）的证据，只列事实及得出事实的规则，不作结论。同源性：源样品（浸出液、沉淀池或沟渠底泥）、损害样品和对照样品的稀土配分模式，以CI球粒陨石标准化（Sun &amp; McDonough 1989，随结果一并写出；可用自己的表 element, value_ppm, source 替换），计算稀土总量、LREE/HREE、(La/Yb)N、Eu/Eu* = EuN / sqrt(SmN x GdN) 和 Ce/Ce* = CeN / sqrt(LaN x PrN)，以及每个样品 log10 配分模式与源样品平均模式的相关系数 r；每组一张配分模式图（PNG）。迁移路径：在填洼后的DEM上，自每个注孔区和沉淀区按D8向下坡的路径；点位在容差内为位于路径上，搜索距离内有更高的路径格网时为位于路径下方；沿路径距离以m计。地下水：给出水位时，对各井水位拟合平面，判断各井是否位于源的下游（顺水力梯度）。时间顺序：由影像日期表（file, date, kind）中标明日期的DEM和正射影像，求各源区首次出现扰动的日期（至少5 %的格网高程变化超过0.5 m，或植被丧失：在最早影像上有植被、之后变为裸地，每幅影像按其Otsu阈值划分），两者取较早者，并列出案卷中的行为日期和采样日期。输出：逐点证据表、路径、全部样品的稀土指标、分区汇总、时间顺序、标准化值和供报告使用的事实段落；每个文件附溯源记录。</translation>
    </message>
    <message>
      <source>Soil lab results</source>
      <translation>土壤检测结果</translation>
    </message>
    <message>
      <source>Output of Import lab results for the soil samples (REE columns La ... Lu, Y in mg/kg), controls included.</source>
      <translation>“导入检测结果”对土壤样品的输出（稀土列 La … Lu、Y，mg/kg），含对照样品。</translation>
    </message>
    <message>
      <source>Source lab results</source>
      <translation>源样品检测结果</translation>
    </message>
    <message>
      <source>Import lab results of the leachate, pond-sediment or ditch-sediment samples: the REE source pattern (or give their sheet and points below).</source>
      <translation>“导入检测结果”对浸出液、沉淀池底泥或沟渠底泥样品的输出：稀土源配分模式（或在下方给出其检测报表和点位）。</translation>
    </message>
    <message>
      <source>Sources</source>
      <translation>源样品</translation>
    </message>
    <message>
      <source>Samples whose id matches are controls: plotted and compared, not assessed.</source>
      <translation>编号匹配的样品为对照样品：参与绘图和比较，不作评估。</translation>
    </message>
    <message>
      <source>Damaged samples (Damage extent)</source>
      <translation>损害样品（损害范围）</translation>
    </message>
    <message>
      <source>The damaged-sample layer of Damage extent: samples with a confirmed indicator are the damaged points; without it every sample not a control is treated as one.</source>
      <translation>“损害范围”的损害样品图层：有确认超标指标的样品为损害点；不提供时，所有非对照样品均视为损害点。</translation>
    </message>
    <message>
      <source>Functional zones</source>
      <translation>功能分区</translation>
    </message>
    <message>
      <source>Output of Functional zones (field zone): the INJ and SETL areas are the sources of the paths and of the time order.</source>
      <translation>“功能分区”的输出（字段 zone）：注孔区和沉淀区是路径和时间顺序的源。</translation>
    </message>
    <message>
      <source>DEM</source>
      <translation>数字高程模型</translation>
    </message>
    <message>
      <source>Heights in m for the downslope paths (the DEM before mining is the natural surface).</source>
      <translation>用于下坡路径的高程（m）（开采前的DEM即自然地表）。</translation>
    </message>
    <message>
      <source>Image-date table (CSV)</source>
      <translation>影像日期表（CSV）</translation>
    </message>
    <message>
      <source>Columns file, date (YYYY-MM-DD) and kind; the rows of kind DEM, and those of kind mosaic (orthomosaics), two or more of a kind, paths relative to the table, give the time order.</source>
      <translation>列 file、date（YYYY-MM-DD）和 kind；kind 为 DEM 的行和 kind 为 mosaic（正射影像）的行（每类两幅或以上，路径相对于该表）用于确定时间顺序。</translation>
    </message>
    <message>
      <source>Groundwater wells</source>
      <translation>地下水监测井</translation>
    </message>
    <message>
      <source>Wells: traced like the soil points; with a head field, tested down-gradient.</source>
      <translation>监测井：与土壤点位一样追踪路径；有水位字段时判断是否位于下游。</translation>
    </message>
    <message>
      <source>Groundwater head field (m)</source>
      <translation>地下水水位字段（m）</translation>
    </message>
    <message>
      <source>Head of each well, m above the 1985 datum; at least 3 wells not on a line.</source>
      <translation>各井水位，1985国家高程基准以上m；至少3口不共线的井。</translation>
    </message>
    <message>
      <source>Well id field</source>
      <translation>井编号字段</translation>
    </message>
    <message>
      <source>Names the wells in the tables (default WELL-001 ...).</source>
      <translation>在表中标识各井（默认 WELL-001 …）。</translation>
    </message>
    <message>
      <source>Case file (case.toml)</source>
      <translation>案卷文件（case.toml）</translation>
    </message>
    <message>
      <source>Gives the act dates (act_start, act_end) and the survey date when they are not typed below.</source>
      <translation>未在下方填写时，从中读取行为日期（act_start、act_end）和调查日期。</translation>
    </message>
    <message>
      <source>Sampling date field</source>
      <translation>采样日期字段</translation>
    </message>
    <message>
      <source>A field with each sample's sampling date (YYYY-MM-DD), in place of the one date above.</source>
      <translation>逐个样品的采样日期字段（YYYY-MM-DD），代替上面的统一日期。</translation>
    </message>
    <message>
      <source>Normalising values (CSV)</source>
      <translation>标准化值（CSV）</translation>
    </message>
    <message>
      <source>Columns element, value_ppm, source; empty: CI chondrite of Sun &amp; McDonough (1989).</source>
      <translation>列 element、value_ppm、source；留空：Sun &amp; McDonough（1989）CI球粒陨石。</translation>
    </message>
    <message>
      <source>Light REE group</source>
      <translation>轻稀土组</translation>
    </message>
    <message>
      <source>Elements summed as LREE, comma separated.</source>
      <translation>计入LREE的元素，逗号分隔。</translation>
    </message>
    <message>
      <source>Heavy REE group</source>
      <translation>重稀土组</translation>
    </message>
    <message>
      <source>Elements summed as HREE, comma separated (Y counted heavy by default).</source>
      <translation>计入HREE的元素，逗号分隔（默认Y计入重稀土）。</translation>
    </message>
    <message>
      <source>On-path tolerance (m)</source>
      <translation>位于路径上的容差（m）</translation>
    </message>
    <message>
      <source>A path cell this close to the point puts it on the path (GPS error, path width).</source>
      <translation>路径格网距点位在此距离内即视为位于路径上（GPS误差、路径宽度）。</translation>
    </message>
    <message>
      <source>Below-path search distance (m)</source>
      <translation>路径下方搜索距离（m）</translation>
    </message>
    <message>
      <source>A higher path cell this close puts the point below the path.</source>
      <translation>此距离内有更高的路径格网时，点位视为位于路径下方。</translation>
    </message>
    <message>
      <source>Vegetation index of the dated mosaics</source>
      <translation>标明日期的正射影像所用植被指数</translation>
    </message>
    <message>
      <source>The index that tells vegetated from bare on the dated mosaics (as in Vegetation damage); NDVI needs a near-infrared band.</source>
      <translation>在标明日期的正射影像上区分植被与裸地的指数（同“植被损害”）；NDVI 需要近红外波段。</translation>
    </message>
    <message>
      <source>Evidence table, paths, REE indices, summary, time order, normalising values, facts and the pattern plots, each with provenance.</source>
      <translation>证据表、路径、稀土指标、汇总、时间顺序、标准化值、事实段落和配分模式图，均附溯源记录。</translation>
    </message>
    <message>
      <source>Act start date</source>
      <translation>行为开始日期</translation>
    </message>
    <message>
      <source>First day of the illegal mining, YYYY-MM-DD.</source>
      <translation>非法开采的第一天，YYYY-MM-DD。</translation>
    </message>
    <message>
      <source>Act end date</source>
      <translation>行为结束日期</translation>
    </message>
    <message>
      <source>Last day of the illegal mining, YYYY-MM-DD.</source>
      <translation>非法开采的最后一天，YYYY-MM-DD。</translation>
    </message>
    <message>
      <source>Sampling date</source>
      <translation>采样日期</translation>
    </message>
    <message>
      <source>Day the soil samples were taken, YYYY-MM-DD.</source>
      <translation>采集土壤样品的日期，YYYY-MM-DD。</translation>
    </message>
    <message>
      <source>Evidence layers</source>
      <translation>证据图层</translation>
    </message>
    <message>
      <source>Evidence table</source>
      <translation>证据表</translation>
    </message>
    <message>
      <source>Paragraph of facts</source>
      <translation>事实段落</translation>
    </message>
    <message>
      <source>Pattern figure (PDF; its layout as a .qpt template)</source>
      <translation>配分模式图（PDF；其版式另存为 .qpt 模板）</translation>
    </message>
    <message>
      <source>Reading the samples, zones and rasters</source>
      <translation>读取样品、分区和栅格</translation>
    </message>
    <message>
      <source>Patterns, paths and time order</source>
      <translation>配分模式、路径和时间顺序</translation>
    </message>
    <message>
      <source>Writing the tables, layers and plots</source>
      <translation>写出表格、图层和图件</translation>
    </message>
    <message>
      <source>A head field needs the wells layer.</source>
      <translation>水位字段需要监测井图层。</translation>
    </message>
    <message>
      <source>The layout template {0} could not be written.</source>
      <translation>无法写出版式模板 {0}。</translation>
    </message>
    <message>
      <source>Instead of the layer: the lab's sheet, imported here as Import lab results does (ids &lt;point&gt;-&lt;depth cm&gt;).</source>
      <translation>代替图层：实验室的检测报表，在此按“导入检测结果”的方式导入（编号 &lt;点位&gt;-&lt;深度 cm&gt;）。</translation>
    </message>
    <message>
      <source>The points (point_id) the sheet's samples are placed at; needed with the sheet.</source>
      <translation>报表中样品所在的点位（point_id）；提供报表时必需。</translation>
    </message>
    <message>
      <source>{0}: lab sheet (CSV or XLSX)</source>
      <translation>{0}：检测报表（CSV 或 XLSX）</translation>
    </message>
    <message>
      <source>{0}: sample points</source>
      <translation>{0}：采样点位</translation>
    </message>
    <message>
      <source>Restoration effect</source>
      <translation>恢复效果评估</translation>
    </message>
    <message>
      <source>Whether the restored site reached its targets (section 12 of the guideline). The target table (zone or ALL, indicator, target, unit, source, optional direction: max = not to exceed, min = to reach; pH and vegetation_cover default to min), or the baseline table of Baseline (primary restoration is back to baseline, guideline 10.2: each indicator's baseline becomes its target), is compared with the post-restoration samples, imported with Import lab results, by the damage rule with the target as baseline: below detection never exceeds, a detection limit beyond the target is undecidable. By sample: met where every decidable sample is on the target's side and none is undecidable. By area: with the rasters of Interpolate run on the post-restoration samples, the cells beyond the target (as Damage extent maps them); without them, each sample's nearest-sample polygon in its zone; met where that area is 0 m2. With a post-restoration mosaic, the vegetation cover per zone and its ratio to the baseline cover. What remains damaged is written as polygons with area (m2) and soil volume (area x layer thickness, m3) for a supplementary restoration plan (12.5), with the result tables and a report section following 12.1-12.6; each file with provenance.</source>
      <translation>修复后的场地是否达到恢复目标（指南第12章）。目标表（zone 或 ALL、indicator、target、unit、source，可选 direction：max 为不超过，min 为达到；pH 和 vegetation_cover 默认为 min），或“基线”算法的基线表（基本恢复即恢复至基线，指南10.2：各指标的基线即其目标），与用“导入检测结果”导入的修复后样品比较，规则同损害判定，以目标值为基线：低于检出限从不超过，检出限超过目标值则无法判定。按样品：所有可判定样品均在目标一侧且无无法判定样品时达标。按面积：有对修复后样品运行“插值”得到的栅格时，取超过目标的格网（同“损害范围”）；否则取各样品在其分区内的最近样品多边形；该面积为0 m2时达标。提供修复后正射影像时，给出各分区植被覆盖度及其与基线覆盖度之比。仍受损的范围以多边形写出，含面积（m2）和土方量（面积 x 土层厚度，m3），供制定补充性恢复方案（12.5）使用，并给出结果表和按12.1-12.6编排的报告章节；每个文件附溯源记录。</translation>
    </message>
    <message>
      <source>Post-restoration lab results</source>
      <translation>修复后检测结果</translation>
    </message>
    <message>
      <source>Output of Import lab results for the samples taken after restoration (or give their sheet and points below); the zone comes from a zone field, the zones layer or the id.</source>
      <translation>“导入检测结果”对修复后样品的输出（或在下方给出其报表和点位）；分区取自 zone 字段、分区图层或样品编号。</translation>
    </message>
    <message>
      <source>Post-restoration samples</source>
      <translation>修复后样品</translation>
    </message>
    <message>
      <source>Restoration targets (CSV or XLSX)</source>
      <translation>恢复目标（CSV 或 XLSX）</translation>
    </message>
    <message>
      <source>Columns zone, indicator, target, unit, source and optionally direction (max/min). Give this table, the baseline table below, or both.</source>
      <translation>列 zone、indicator、target、unit、source，可选 direction（max/min）。给出此表、下方的基线表，或两者都给。</translation>
    </message>
    <message>
      <source>Targets from the baseline table</source>
      <translation>以基线表为恢复目标</translation>
    </message>
    <message>
      <source>The table of Baseline (baseline.csv): primary restoration returns the site to its baseline (guideline 10.2), so each of its indicators gets its baseline as the target in every zone (not above it; for pH, not below it). An indicator also in the target table keeps the target given there.</source>
      <translation>“基线”算法输出的基线表（baseline.csv）：基本恢复即将场地恢复至基线水平（指南10.2），因此表中每个指标在各分区均以其基线为目标（不超过基线；pH 为不低于基线）。目标表中也给出的指标采用目标表中的目标值。</translation>
    </message>
    <message>
      <source>Output of Functional zones (field zone): the areas the targets apply to.</source>
      <translation>“功能分区”的输出（字段 zone）：目标适用的范围。</translation>
    </message>
    <message>
      <source>Interpolated rasters (folder)</source>
      <translation>插值栅格（文件夹）</translation>
    </message>
    <message>
      <source>Output folder of Interpolate on the post-restoration samples; without it the area comes from nearest-sample polygons.</source>
      <translation>对修复后样品运行“插值”的输出文件夹；不提供时面积取自最近样品多边形。</translation>
    </message>
    <message>
      <source>Post-restoration mosaic</source>
      <translation>修复后正射影像</translation>
    </message>
    <message>
      <source>RGB or multispectral orthomosaic after restoration: vegetation cover per zone.</source>
      <translation>修复后的RGB或多光谱正射影像：各分区植被覆盖度。</translation>
    </message>
    <message>
      <source>Sampled layer thickness (m)</source>
      <translation>采样土层厚度（m）</translation>
    </message>
    <message>
      <source>Remaining damaged area x thickness = soil volume still to restore.</source>
      <translation>仍受损面积 x 厚度 = 仍需修复的土方量。</translation>
    </message>
    <message>
      <source>Baseline vegetation cover (0-1)</source>
      <translation>基线植被覆盖度（0-1）</translation>
    </message>
    <message>
      <source>Vegetated share before the act: the reference of the recovery ratio.</source>
      <translation>行为发生前的植被覆盖比例：恢复比的参照。</translation>
    </message>
    <message>
      <source>Result tables, sample statuses, remaining damage and the report section.</source>
      <translation>结果表、样品状态、仍受损范围和报告章节。</translation>
    </message>
    <message>
      <source>Day the post-restoration samples were taken.</source>
      <translation>采集修复后样品的日期。</translation>
    </message>
    <message>
      <source>Restoration completed</source>
      <translation>修复完成日期</translation>
    </message>
    <message>
      <source>Day the restoration works ended.</source>
      <translation>修复工程结束的日期。</translation>
    </message>
    <message>
      <source>Restoration layers</source>
      <translation>恢复效果图层</translation>
    </message>
    <message>
      <source>Result table</source>
      <translation>结果表</translation>
    </message>
    <message>
      <source>Report section</source>
      <translation>报告章节</translation>
    </message>
    <message>
      <source>Reading the samples, targets and zones</source>
      <translation>读取样品、目标和分区</translation>
    </message>
    <message>
      <source>Comparing with the targets</source>
      <translation>与目标比较</translation>
    </message>
    <message>
      <source>Writing the tables and layers</source>
      <translation>写出表格和图层</translation>
    </message>
    <message>
      <source>Give the restoration targets, the baseline table, or both.</source>
      <translation>请给出恢复目标表、基线表，或两者都给。</translation>
    </message>
    <message>
      <source>Damage extent</source>
      <translation>损害范围</translation>
    </message>
    <message>
      <source>Compares every sample and indicator with its baseline: damage degree K = (C - B) / B (pH on the hydrogen-ion activity, K = 10^(B - C) - 1), confirmed where K exceeds the threshold (C more than 20 % above B by default; the rule is written into every row). A value below its detection limit never counts as an exceedance; where the detection limit itself is above the baseline the sample is undecidable and left out of N. From the rasters of Interpolate it maps the damaged cells (prediction beyond the baseline) as polygons per indicator and functional zone, holes kept, and their union over indicators with the indicators exceeding there; areas in m2 per zone, depth layer and indicator, soil volumes = area x layer thickness in m3, and with kriging the area and volume where P(exceed) is at least 50, 80 and 95 %. The summary table (zone, layer, indicator, method, samples, exceedances, ratio, area, volume, at 50/80/95 %) is what valuation reads. Also written: the damaged-sample points, the leaching signature (NH4+-N, sulfate, REE sum, REO, pH drop) per sample, damage-degree rasters and the IDW and kriging areas and volumes side by side (method_comparison.csv), and second-round sampling points where P(exceed) lies between 20 and 80 % and no sample is within 40 m, ranked by uncertainty, ids &lt;zone&gt;-&lt;nnn&gt; numbered on; each file with provenance. Rasters in another CRS than the zones are refused.</source>
      <translation>逐个样品、逐个指标与基线比较：损害程度 K = (C - B) / B（pH 按氢离子活度计，K = 10^(B - C) - 1），K 超过阈值即确认损害（默认 C 超过 B 20% 以上；判定规则写入每一行）。低于检出限的数值从不计为超基线；检出限本身高于基线的样品为“无法判定”，不计入 N。依据“空间插值”的栅格，把预测值超过基线的像元按指标和功能分区制成面（保留内洞），并按指标合并，标明该处超标的指标；按分区、深度层和指标给出面积（m2），土壤体积 = 面积 × 层厚（m3），克里金时另给出超基线概率不低于 50%、80%、95% 的面积和体积。汇总表（分区、层、指标、方法、样品数、超标数、超标率、面积、体积、50/80/95%）供损害价值量化读取。同时写出损害样品点、每个样品的浸矿特征污染物（氨氮、硫酸盐、稀土总量、稀土氧化物、pH 降低）、损害程度栅格、IDW 与克里金并列的面积和体积（method_comparison.csv），以及第二轮采样建议点（超基线概率在 20% 至 80% 之间且 40 m 内无样品处，按不确定性排序，编号 &lt;分区&gt;-&lt;nnn&gt; 续编）；每个文件附溯源记录。坐标系与分区不同的栅格将被拒绝。</translation>
    </message>
    <message>
      <source>Output of Import lab results: sample points with a value and flag column per indicator.</source>
      <translation>“导入检测结果”的输出：样品点位，每个指标一列数值和一列标记。</translation>
    </message>
    <message>
      <source>Samples whose id matches are control samples and are not assessed.</source>
      <translation>编号匹配的样品为对照样品，不参与损害判定。</translation>
    </message>
    <message>
      <source>The field the interpolation separated the layers by, values named '&lt;top cm&gt;-&lt;bottom cm&gt;' (e.g. 0-50); empty: every sample is in the surface layer below.</source>
      <translation>插值时用于分层的字段，取值命名为“顶深cm-底深cm”（如 0-50）；留空：所有样品属于下面的表层。</translation>
    </message>
    <message>
      <source>The Baseline output: baseline, unit and source per indicator.</source>
      <translation>“基线确定”的输出：每个指标的基线值、单位和来源。</translation>
    </message>
    <message>
      <source>The Functional zones output (field zone): areas are given per zone. Needed with rasters.</source>
      <translation>“功能分区”的输出（字段 zone）：按分区给出面积。使用栅格时必需。</translation>
    </message>
    <message>
      <source>The output folder of Interpolate; without it only the samples are assessed.</source>
      <translation>“空间插值”的输出文件夹；不给出时只判定样品。</translation>
    </message>
    <message>
      <source>Confirmation threshold (K)</source>
      <translation>损害确认阈值（K）</translation>
    </message>
    <message>
      <source>Damage is confirmed where K exceeds it; 0.2 means C more than 20 % above the baseline.</source>
      <translation>K 超过该值即确认损害；0.2 表示 C 超过基线 20% 以上。</translation>
    </message>
    <message>
      <source>Surface layer top (m)</source>
      <translation>表层顶深（m）</translation>
    </message>
    <message>
      <source>Depth layer of samples and rasters without a depth layer field, top in m below ground.</source>
      <translation>无分层字段时样品和栅格所属的深度层，顶深（地面以下 m）。</translation>
    </message>
    <message>
      <source>Surface layer bottom (m)</source>
      <translation>表层底深（m）</translation>
    </message>
    <message>
      <source>Bottom in m below ground; the thickness turns damaged areas into soil volumes.</source>
      <translation>底深（地面以下 m）；层厚将损害面积换算为土壤体积。</translation>
    </message>
    <message>
      <source>Minimum mapping unit (m2)</source>
      <translation>最小制图单元（m2）</translation>
    </message>
    <message>
      <source>Damaged patches smaller than this area are dropped; 0 keeps every damaged cell.</source>
      <translation>小于该面积的损害斑块被舍去；0 保留所有损害像元。</translation>
    </message>
    <message>
      <source>Probability levels</source>
      <translation>概率水平</translation>
    </message>
    <message>
      <source>Levels of P(exceed) at which areas and volumes are also given, between 0 and 1.</source>
      <translation>同时给出面积和体积的超基线概率 P 水平，取值 0 到 1。</translation>
    </message>
    <message>
      <source>Second round: P(exceed) from</source>
      <translation>第二轮采样：超基线概率下限</translation>
    </message>
    <message>
      <source>Second-round points are proposed where P(exceed) lies between these two levels and no sample lies within the spacing, ranked by uncertainty.</source>
      <translation>在超基线概率介于这两个水平之间且间距内无样品处建议第二轮采样点，按不确定性排序。</translation>
    </message>
    <message>
      <source>Second round: P(exceed) to</source>
      <translation>第二轮采样：超基线概率上限</translation>
    </message>
    <message>
      <source>Upper end of the uncertain band of P(exceed) (0.8 by default).</source>
      <translation>超基线概率不确定区间的上限（默认 0.8）。</translation>
    </message>
    <message>
      <source>Second round: spacing (m)</source>
      <translation>第二轮采样：间距（m）</translation>
    </message>
    <message>
      <source>No first-round sample within it, and proposals at least this far apart (the 40 m grid).</source>
      <translation>该距离内无第一轮样品，建议点之间至少相距该距离（40 m 网格）。</translation>
    </message>
    <message>
      <source>Damaged samples, damaged areas, their union, the summary and signature tables and the damage-degree rasters, each with provenance.</source>
      <translation>损害样品、损害范围、其合并范围、汇总表和特征污染物表以及损害程度栅格，均附溯源记录。</translation>
    </message>
    <message>
      <source>Damaged areas</source>
      <translation>损害范围</translation>
    </message>
    <message>
      <source>Damaged-area polygons per method, depth layer, indicator and zone (holes kept, dissolved): cells, area_m2, thickness_m, volume_m3.</source>
      <translation>按方法、深度层、指标和功能区融合的损害范围面（保留内洞）：像元数、面积 area_m2、层厚 thickness_m、体积 volume_m3。</translation>
    </message>
    <message>
      <source>Damaged areas, union over indicators</source>
      <translation>损害范围（各指标合并）</translation>
    </message>
    <message>
      <source>Per method and depth layer one polygon per combination of exceeding indicators (field indicators), area_m2 and volume_m3 counted once.</source>
      <translation>按方法和深度层，每种超基线指标组合一个面（字段 indicators），面积 area_m2 和体积 volume_m3 重叠处只计一次。</translation>
    </message>
    <message>
      <source>Damaged samples</source>
      <translation>损害样品</translation>
    </message>
    <message>
      <source>One point per sample and indicator: C, baseline and its source, K, status (confirmed, above, not_above, undecidable), the rule.</source>
      <translation>每个样品和指标一个点：浓度 C、基线及其来源、损害程度 K、状态（confirmed 确认损害、above 超基线、not_above 未超基线、undecidable 无法判定）及判定规则。</translation>
    </message>
    <message>
      <source>Damage summary</source>
      <translation>损害汇总表</translation>
    </message>
    <message>
      <source>The summary table valuation reads (zone, layer, indicator, method, samples, exceedances, ratio, area m2, volume m3, at 50/80/95 %), the same as damage_summary.csv in the output folder.</source>
      <translation>价值量化读取的汇总表（功能区、深度层、指标、方法、样品数、超基线数、超标率、面积 m2、体积 m3，及 50/80/95 % 概率水平），与输出文件夹中的 damage_summary.csv 相同。</translation>
    </message>
    <message>
      <source>Second-round sampling points</source>
      <translation>第二轮补充采样点</translation>
    </message>
    <message>
      <source>Proposed where P(exceed) lies in the uncertain band and no sample is near, ranked by uncertainty; empty without kriging probability rasters.</source>
      <translation>在超基线概率处于不确定区间且附近无样品处提出，按不确定性排序；无克里金概率栅格时为空。</translation>
    </message>
    <message>
      <source>Damage layers</source>
      <translation>损害图层</translation>
    </message>
    <message>
      <source>Damage summary table</source>
      <translation>损害汇总表</translation>
    </message>
    <message>
      <source>Reading the samples, baseline and zones</source>
      <translation>读取样品、基线和分区</translation>
    </message>
    <message>
      <source>Confirming damage and measuring damaged areas</source>
      <translation>确认损害并量算损害面积</translation>
    </message>
    <message>
      <source>Writing the layers and tables</source>
      <translation>写出图层和表格</translation>
    </message>
    <message>
      <source>Give the functional zones to measure damaged areas per zone.</source>
      <translation>请给出功能分区，以便按分区量算损害面积。</translation>
    </message>
    <message>
      <source>Probability levels: {0}</source>
      <translation>概率水平：{0}</translation>
    </message>
    <message>
      <source>Mined volume and resources</source>
      <translation>开采方量与资源量估算</translation>
    </message>
    <message>
      <source>Differences the DEMs after and before mining inside the boundary, block by block with bounded memory: cut and fill by the cell method (sum of the height change x cell area) and by the grid method with corner, edge and interior weights 1, 2 and 4 at the chosen spacing, both figures with their difference. DEMs on different grids or CRSs are resampled to the finer grid (the method is stated); a DEM in feet is converted and a height change above 200 m warns. Writes the cut/fill raster (negative = cut), its contours and a volume table. With blocks (or functional zones, whose INJ zone is split on a grid) and lab results or a kriged REO raster, estimates the resource by the block method: area x mean ore thickness x dry density x mean grade (REO from the element results with the oxide factors), and writes the annex tables 3-5 of the report (area, grade and thickness per block; resource per block; summary) as XLSX and CSV. A zero or negative thickness, a grade above 100 %, a density outside 1-3 t/m3 or a block outside the DEM is refused, naming the block.</source>
      <translation>按块读取、内存有界地计算边界内开采后与开采前 DEM 的差值：以单元格法（高程变化 × 像元面积之和）和方格网法（按所选间距，角点、边点、中点权重 1、2、4）分别计算挖方和填方，并给出两者之差。两期 DEM 格网或坐标系不同时，重采样到较细的格网（注明方法）；以英尺为单位的 DEM 换算为米，高程变化超过 200 m 时给出警告。输出挖填方栅格（负值为挖方）、其等值线和方量表。提供块段（或功能分区，其注孔区按格网划分为块段）以及检测结果或克里金 REO 栅格时，按块段法估算资源量：面积 × 平均矿体厚度 × 干密度 × 平均品位（REO 由元素结果乘氧化物换算系数求得），并以 XLSX 和 CSV 输出报告附表 3-5（块段面积、平均品位及平均厚度表；块段资源量估算表；资源量汇总表）。厚度为零或负值、品位超过 100%、干密度不在 1-3 t/m³ 之内或块段超出 DEM 范围时拒绝计算，并指明块段。</translation>
    </message>
    <message>
      <source>Boundary</source>
      <translation>边界</translation>
    </message>
    <message>
      <source>Volumes are counted inside these polygons (the case area or the mined area).</source>
      <translation>在这些多边形（案涉范围或开采范围）内统计方量。</translation>
    </message>
    <message>
      <source>Grid method spacing (m)</source>
      <translation>方格网法格网间距（m）</translation>
    </message>
    <message>
      <source>Side of a square of the grid (方格网) method; 10 m by default.</source>
      <translation>方格网法方格边长；默认 10 m。</translation>
    </message>
    <message>
      <source>Resampling of a DEM on another grid</source>
      <translation>格网不同的 DEM 的重采样方法</translation>
    </message>
    <message>
      <source>How the coarser DEM is resampled onto the finer grid; recorded.</source>
      <translation>较粗 DEM 重采样到较细格网的方法；记入溯源记录。</translation>
    </message>
    <message>
      <source>Contour interval (m)</source>
      <translation>等值线间距（m）</translation>
    </message>
    <message>
      <source>Interval of the contours of the height change; 0 writes none.</source>
      <translation>高程变化等值线的间距；为 0 时不输出。</translation>
    </message>
    <message>
      <source>Resource blocks</source>
      <translation>资源量估算块段</translation>
    </message>
    <message>
      <source>Block polygons with block_id and optional thickness_m, density_t_m3 and category.</source>
      <translation>块段多边形，含 block_id，可选 thickness_m、density_t_m3 和 category 字段。</translation>
    </message>
    <message>
      <source>Without blocks, the INJ zone is split on a grid into blocks.</source>
      <translation>未提供块段时，按格网将注孔区划分为块段。</translation>
    </message>
    <message>
      <source>Element columns La ... Y in mg/kg; a block's grade is the mean REO of its samples.</source>
      <translation>La … Y 元素列，单位 mg/kg；块段品位为块段内样品 REO 的平均值。</translation>
    </message>
    <message>
      <source>Kriged REO raster (mg/kg)</source>
      <translation>克里金 REO 栅格（mg/kg）</translation>
    </message>
    <message>
      <source>Used instead of the samples: a block's grade is the raster's mean over it.</source>
      <translation>代替样品使用：块段品位为栅格在块段内的平均值。</translation>
    </message>
    <message>
      <source>Cut/fill raster</source>
      <translation>挖填方栅格</translation>
    </message>
    <message>
      <source>Height change after - before (m): negative = cut, positive = fill.</source>
      <translation>高程变化（开采后 - 开采前，m）：负值为挖方，正值为填方。</translation>
    </message>
    <message>
      <source>Contours of the height change</source>
      <translation>高程变化等值线</translation>
    </message>
    <message>
      <source>GeoPackage of contour lines, level in dz_m; level 0 separates cut from fill.</source>
      <translation>等值线 GeoPackage，高程差值在 dz_m 字段；0 等值线为挖填分界线。</translation>
    </message>
    <message>
      <source>Output folder for the tables</source>
      <translation>表格输出文件夹</translation>
    </message>
    <message>
      <source>volumes.csv, resource_annex.xlsx, the annex tables as CSV and the blocks.</source>
      <translation>volumes.csv、resource_annex.xlsx、CSV 格式的附表以及块段。</translation>
    </message>
    <message>
      <source>DEM before mining</source>
      <translation>开采前 DEM</translation>
    </message>
    <message>
      <source>Heights in m (1985 height datum), projected CRS.</source>
      <translation>高程单位 m（1985 国家高程基准），投影坐标系。</translation>
    </message>
    <message>
      <source>DEM after mining</source>
      <translation>开采后 DEM</translation>
    </message>
    <message>
      <source>Heights in m; resampled to the finer grid if the grids differ.</source>
      <translation>高程单位 m；格网不同时重采样到较细的格网。</translation>
    </message>
    <message>
      <source>Block size (m)</source>
      <translation>块段边长（m）</translation>
    </message>
    <message>
      <source>Side of the grid squares the INJ zone is split into.</source>
      <translation>注孔区划分块段所用方格的边长。</translation>
    </message>
    <message>
      <source>Ore thickness (m)</source>
      <translation>矿体厚度（m）</translation>
    </message>
    <message>
      <source>For blocks without a thickness_m value; replace the default by the drilling logs.</source>
      <translation>用于没有 thickness_m 值的块段；请以钻孔资料替代默认值。</translation>
    </message>
    <message>
      <source>Dry density (t/m3)</source>
      <translation>干密度（t/m³）</translation>
    </message>
    <message>
      <source>For blocks without a density_t_m3 value; 1.6 t/m3 by default.</source>
      <translation>用于没有 density_t_m3 值的块段；默认 1.6 t/m³。</translation>
    </message>
    <message>
      <source>Cut, cell method (m3)</source>
      <translation>挖方，单元格法（m³）</translation>
    </message>
    <message>
      <source>Fill, cell method (m3)</source>
      <translation>填方，单元格法（m³）</translation>
    </message>
    <message>
      <source>Cut, grid method (m3)</source>
      <translation>挖方，方格网法（m³）</translation>
    </message>
    <message>
      <source>Fill, grid method (m3)</source>
      <translation>填方，方格网法（m³）</translation>
    </message>
    <message>
      <source>REO resource (t)</source>
      <translation>REO 资源量（t）</translation>
    </message>
    <message>
      <source>Reading the inputs</source>
      <translation>读取输入数据</translation>
    </message>
    <message>
      <source>Differencing the DEMs and estimating the resource</source>
      <translation>计算 DEM 差值并估算资源量</translation>
    </message>
    <message>
      <source>Writing the outputs</source>
      <translation>写出结果</translation>
    </message>
    <message>
      <source>Bilinear</source>
      <translation>双线性</translation>
    </message>
    <message>
      <source>Nearest neighbour</source>
      <translation>最邻近</translation>
    </message>
    <message>
      <source>Cubic</source>
      <translation>三次卷积</translation>
    </message>
    <message>
      <source>Cut {0:.1f} m3, fill {1:.1f} m3 (cell method); cut {2:.1f} m3, fill {3:.1f} m3 (grid method)</source>
      <translation>挖方 {0:.1f} m³，填方 {1:.1f} m³（单元格法）；挖方 {2:.1f} m³，填方 {3:.1f} m³（方格网法）</translation>
    </message>
    <message>
      <source>Vegetation damage (imagery)</source>
      <translation>影像植被破坏识别</translation>
    </message>
    <message>
      <source>Maps the bare (damaged) ground in the case area from a drone orthomosaic: a vegetation index (ExG, ExGR, GLI/VDVI or VARI from red, green and blue; NDVI with a near-infrared band), thresholded by Otsu's method on the index histogram of every valid cell inside the case area (summed block by block; or, faster on a large mosaic, of an overview of about 16 million cells, stated in the outputs) or at a given value; a 3 x 3 opening and closing removes speckle, GDAL's sieve filter drops patches and holes below the minimum mapping unit, and GDAL's Polygonize draws the polygons. With a mosaic from before the act (or an earlier vegetation mask) only cells vegetated before and bare after count. The mosaic is read block by block, so any size works; nodata and alpha are respected. Outputs: polygons with their area in m2 per functional zone, the area table per zone and for the case area, the forest area lost, the index raster, and with labelled check points the confusion matrix, overall accuracy, kappa, producer's and user's accuracy.</source>
      <translation>根据无人机正射影像识别案涉范围内的裸露（植被破坏）地表：计算植被指数（红、绿、蓝波段的 ExG、ExGR、GLI/VDVI 或 VARI；有近红外波段时用 NDVI），按案涉范围内全部有效像元的指数直方图（逐块累加；大影像也可用约 1600 万像元的金字塔概览以加快速度，输出中注明）用大津法（Otsu）确定阈值，或采用给定阈值；3 × 3 开运算和闭运算去除噪点，GDAL 筛滤去除小于最小制图单元的斑块和孔洞，GDAL Polygonize 生成多边形。提供损害行为发生前的影像（或早期植被掩膜）时，仅统计此前有植被、此后裸露的像元。影像逐块读取，任意大小均可处理；遵循无数据值和 Alpha 透明通道。输出：按功能分区给出面积（m2）的破坏多边形、各分区及案涉范围的面积表、森林损失面积、指数栅格；提供已标注检查点时，另输出混淆矩阵、总体精度、Kappa 系数、生产者精度和用户精度。</translation>
    </message>
    <message>
      <source>Orthomosaic</source>
      <translation>正射影像</translation>
    </message>
    <message>
      <source>RGB, RGBA or multispectral GeoTIFF, 8 or 16 bit, any CRS.</source>
      <translation>RGB、RGBA 或多光谱 GeoTIFF，8 位或 16 位，任意坐标系。</translation>
    </message>
    <message>
      <source>Vegetation index</source>
      <translation>植被指数</translation>
    </message>
    <message>
      <source>ExG = 2g - r - b on chromatic coordinates; NDVI needs a near-infrared band.</source>
      <translation>ExG = 2g - r - b（归一化色度坐标）；NDVI 需要近红外波段。</translation>
    </message>
    <message>
      <source>Red band</source>
      <translation>红波段</translation>
    </message>
    <message>
      <source>Green band</source>
      <translation>绿波段</translation>
    </message>
    <message>
      <source>Blue band</source>
      <translation>蓝波段</translation>
    </message>
    <message>
      <source>Near-infrared band</source>
      <translation>近红外波段</translation>
    </message>
    <message>
      <source>Alpha band</source>
      <translation>Alpha 透明波段</translation>
    </message>
    <message>
      <source>Threshold</source>
      <translation>阈值</translation>
    </message>
    <message>
      <source>Cells whose index is below the threshold are bare.</source>
      <translation>指数低于阈值的像元为裸露地表。</translation>
    </message>
    <message>
      <source>Otsu's histogram from</source>
      <translation>大津法直方图来源</translation>
    </message>
    <message>
      <source>Every valid cell inside the case area, or a reading of the mosaic reduced to about 16 million cells (the file's overview where one fits); the output states which.</source>
      <translation>案涉范围内全部有效像元，或缩减至约 1600 万像元读取的影像（有合适的金字塔时直接读取金字塔）；输出中注明所用方式。</translation>
    </message>
    <message>
      <source>Threshold value (given)</source>
      <translation>阈值（给定值）</translation>
    </message>
    <message>
      <source>Used when the threshold is given; dimensionless index units.</source>
      <translation>阈值方式为给定值时使用；指数单位（无量纲）。</translation>
    </message>
    <message>
      <source>Clean-up radius (cells)</source>
      <translation>形态学清理半径（像元）</translation>
    </message>
    <message>
      <source>Morphological opening then closing with a 3 x 3 square, repeated this many times.</source>
      <translation>用 3 × 3 方形结构元先开运算后闭运算，重复该次数。</translation>
    </message>
    <message>
      <source>Bare patches and vegetated holes smaller than this are merged into their surroundings.</source>
      <translation>小于该面积的裸露斑块和植被孔洞并入周围地类。</translation>
    </message>
    <message>
      <source>Before the act (mosaic or vegetation mask)</source>
      <translation>损害前影像（正射影像或植被掩膜）</translation>
    </message>
    <message>
      <source>Change mode: only cells vegetated on this image and bare on the orthomosaic count.</source>
      <translation>变化检测模式：仅统计在该影像上有植被、在正射影像上裸露的像元。</translation>
    </message>
    <message>
      <source>The before image is</source>
      <translation>损害前影像类型</translation>
    </message>
    <message>
      <source>How the before image is read.</source>
      <translation>损害前影像的读取方式。</translation>
    </message>
    <message>
      <source>Case area</source>
      <translation>案涉范围</translation>
    </message>
    <message>
      <source>Only the cells inside are classified; the mosaic must overlap it.</source>
      <translation>仅对范围内的像元分类；影像必须与其重叠。</translation>
    </message>
    <message>
      <source>The Functional zones output (field zone): the damaged area is given per zone.</source>
      <translation>“功能分区”算法的输出（字段 zone）：按分区给出破坏面积。</translation>
    </message>
    <message>
      <source>Labelled check points</source>
      <translation>已标注检查点</translation>
    </message>
    <message>
      <source>Points a technician labelled damaged or intact: gives the accuracy table.</source>
      <translation>技术人员标注为破坏或未破坏的点：用于生成精度评价表。</translation>
    </message>
    <message>
      <source>Label field</source>
      <translation>标签字段</translation>
    </message>
    <message>
      <source>damaged / intact (also bare / vegetated, 1 / 0, 破坏 / 未破坏).</source>
      <translation>damaged / intact（也可用 bare / vegetated、1 / 0、破坏 / 未破坏）。</translation>
    </message>
    <message>
      <source>Damaged vegetation</source>
      <translation>植被破坏范围</translation>
    </message>
    <message>
      <source>One polygon per bare patch and functional zone, with its area in m2.</source>
      <translation>每个裸露斑块在每个功能分区内一个多边形，附面积（m2）。</translation>
    </message>
    <message>
      <source>Damaged area per zone</source>
      <translation>各分区破坏面积</translation>
    </message>
    <message>
      <source>Zone area, damaged area (m2) and share per zone, outside the zones and in the case area.</source>
      <translation>各分区、分区以外及整个案涉范围的面积、破坏面积（m2）和占比。</translation>
    </message>
    <message>
      <source>Accuracy (confusion matrix)</source>
      <translation>精度评价（混淆矩阵）</translation>
    </message>
    <message>
      <source>Confusion matrix, user's and producer's accuracy, overall accuracy and kappa.</source>
      <translation>混淆矩阵、用户精度和生产者精度、总体精度和 Kappa 系数。</translation>
    </message>
    <message>
      <source>Vegetation index raster</source>
      <translation>植被指数栅格</translation>
    </message>
    <message>
      <source>Float32, tiled, compressed, with overviews; nodata outside the case area.</source>
      <translation>Float32，分块、压缩、含金字塔；案涉范围外为无数据。</translation>
    </message>
    <message>
      <source>Left empty: taken from the file's colour interpretation or band description.</source>
      <translation>留空时取自文件的颜色解释或波段描述。</translation>
    </message>
    <message>
      <source>Forest area lost (m2)</source>
      <translation>森林损失面积（m2）</translation>
    </message>
    <message>
      <source>Threshold used</source>
      <translation>所用阈值</translation>
    </message>
    <message>
      <source>Kappa</source>
      <translation>Kappa 系数</translation>
    </message>
    <message>
      <source>Reading the case area, zones and check points</source>
      <translation>读取案涉范围、功能分区和检查点</translation>
    </message>
    <message>
      <source>Classifying the mosaic block by block</source>
      <translation>逐块分类影像</translation>
    </message>
    <message>
      <source>Writing the polygons, tables and index raster</source>
      <translation>写出多边形、表格和指数栅格</translation>
    </message>
    <message>
      <source>Otsu (from the image)</source>
      <translation>大津法（由影像计算）</translation>
    </message>
    <message>
      <source>Given value</source>
      <translation>给定值</translation>
    </message>
    <message>
      <source>Every cell (streamed block by block)</source>
      <translation>全部像元（逐块累加）</translation>
    </message>
    <message>
      <source>An overview (about 16 Mpx; faster on large mosaics)</source>
      <translation>金字塔概览（约 1600 万像元；大影像更快）</translation>
    </message>
    <message>
      <source>A mosaic (same index and bands)</source>
      <translation>正射影像（相同指数和波段）</translation>
    </message>
    <message>
      <source>A vegetation mask (non-zero = vegetated)</source>
      <translation>植被掩膜（非零 = 有植被）</translation>
    </message>
    <message>
      <source>Threshold {0} ({1}); forest area lost {2} m2</source>
      <translation>阈值 {0}（{1}）；森林损失面积 {2} m2</translation>
    </message>
    <message>
      <source>Accuracy at {0} check points: overall {1}, kappa {2}</source>
      <translation>{0} 个检查点的精度：总体精度 {1}，Kappa {2}</translation>
    </message>
    <message>
      <source>Water damage</source>
      <translation>地下水与地表水损害</translation>
    </message>
    <message>
      <source>Reads the water lab results (mg/L, metals in ug/L; units checked) and joins them to the wells and stream sections by position id. Per well and section and indicator: the baseline (mean of the control well or section, or a given table), K = (C - B) / B (pH on the hydrogen-ion activity), damage confirmed where K exceeds the threshold (C more than 20 % above B by default), the comparison with GB/T 14848 class III (groundwater) or GB 3838 class III (surface water) and the quality class of the sample. A value below its detection limit never counts as an exceedance; where the limit exceeds the baseline the sample is undecidable. With at least 4 wells the plume is drawn by indicator IDW (P = weighted share of wells with confirmed damage) inside the wells' hull, clipped to the case's down-gradient side (flow fitted to the heads), at P &gt;= 50, 80 and 95 %; with fewer a message says why no plume is drawn. The damaged reach runs from the discharge section to the first downstream section that meets the baseline. The summary (medium, indicator, confidence, area m2, volume m3, length m) is what valuation reads. Every output carries provenance; the rules are written into the rows.</source>
      <translation>读取水样检测结果（mg/L，金属为 μg/L；检查单位），按点位编号与监测井和河流断面关联。逐井、逐断面、逐指标给出：基线（对照井或对照断面的均值，或给定的基线表）、K = (C - B) / B（pH 按氢离子活度计）、K 超过阈值即确认损害（默认 C 高于 B 20% 以上）、与 GB/T 14848 III 类（地下水）或 GB 3838 III 类（地表水）的比较以及样品的水质类别。低于检出限的值不计为超标；检出限本身高于基线的样品记为无法判定。监测井不少于 4 口时，以指示 IDW（P = 确认损害井的距离加权比例）在井的凸包内绘制污染羽，并裁剪至案涉范围的地下水下游一侧（流向由水头拟合），给出 P ≥ 50%、80%、95% 的范围；井数不足时提示无法绘制的原因。受损河段自汇入断面起，至下游第一个达到基线的断面止。汇总表（介质、指标、置信水平、面积 m2、体积 m3、长度 m）供价值量化读取。每个输出均附溯源记录，规则写入每一行。</translation>
    </message>
    <message>
      <source>Wells and stream sections</source>
      <translation>监测井与河流断面</translation>
    </message>
    <message>
      <source>Fields position_id, medium (groundwater / surface_water), role (control, discharge, downstream, down_gradient); head_m for wells, distance_m, width_m, depth_m for sections, as the depth schedule's water positions.</source>
      <translation>字段 position_id、medium（groundwater 地下水 / surface_water 地表水）、role（control 对照、discharge 汇入点、downstream 下游、down_gradient 地下水下游）；井的 head_m（水头），断面的 distance_m、width_m、depth_m，与采样深度方案的水样点位一致。</translation>
    </message>
    <message>
      <source>Water lab results (CSV or XLSX)</source>
      <translation>水样检测结果（CSV 或 XLSX）</translation>
    </message>
    <message>
      <source>One row per position id, units in the header or a units row.</source>
      <translation>每个点位编号一行，单位写在表头或单位行中。</translation>
    </message>
    <message>
      <source>Receiving stream</source>
      <translation>受纳河流</translation>
    </message>
    <message>
      <source>Lines digitised downstream; the damaged reach follows it.</source>
      <translation>按水流方向数字化的线；受损河段沿其计算。</translation>
    </message>
    <message>
      <source>Case boundary or functional zones: the plume is kept on its down-gradient side.</source>
      <translation>案涉范围或功能区：污染羽保留在其地下水下游一侧。</translation>
    </message>
    <message>
      <source>Water baseline table</source>
      <translation>水环境基线表</translation>
    </message>
    <message>
      <source>indicator, baseline (optional medium, unit, source); empty: the control positions.</source>
      <translation>indicator、baseline（可选 medium、unit、source）；为空则取对照点位。</translation>
    </message>
    <message>
      <source>GB/T 14848 class compared with</source>
      <translation>比较的 GB/T 14848 类别</translation>
    </message>
    <message>
      <source>GB/T 14848-2017 quality class whose upper limit is the second comparison (III: drinking-water source).</source>
      <translation>作为第二比较基准的 GB/T 14848-2017 水质类别上限（III 类：饮用水水源）。</translation>
    </message>
    <message>
      <source>GB 3838 class compared with</source>
      <translation>比较的 GB 3838 类别</translation>
    </message>
    <message>
      <source>GB 3838-2002 class whose limit is the second comparison for surface water.</source>
      <translation>作为地表水第二比较基准的 GB 3838-2002 类别限值。</translation>
    </message>
    <message>
      <source>Wells needed for a plume</source>
      <translation>绘制污染羽所需井数</translation>
    </message>
    <message>
      <source>Wells with a decidable result needed to draw a plume; with fewer a message says why none is drawn.</source>
      <translation>绘制污染羽所需的可判定结果井数；不足时提示无法绘制的原因。</translation>
    </message>
    <message>
      <source>Groundwater flow direction (degrees from north)</source>
      <translation>地下水流向（自正北起算的角度）</translation>
    </message>
    <message>
      <source>Empty: fitted to the wells' heads (field head_m); the plume is kept down-gradient of the case area.</source>
      <translation>为空则由井的水头（字段 head_m）拟合；污染羽保留在案涉范围的地下水下游一侧。</translation>
    </message>
    <message>
      <source>Plume cell size (m)</source>
      <translation>污染羽像元大小（m）</translation>
    </message>
    <message>
      <source>Cell of the interpolated plume; areas are cells x cell area.</source>
      <translation>插值污染羽的像元；面积 = 像元数 × 像元面积。</translation>
    </message>
    <message>
      <source>Saturated aquifer thickness (m)</source>
      <translation>饱和含水层厚度（m）</translation>
    </message>
    <message>
      <source>Empty: the wells' field aquifer_thickness_m; volume = area x thickness x porosity.</source>
      <translation>为空则取井的 aquifer_thickness_m 字段；体积 = 面积 × 厚度 × 孔隙度。</translation>
    </message>
    <message>
      <source>Effective porosity</source>
      <translation>有效孔隙度</translation>
    </message>
    <message>
      <source>Empty: the wells' field effective_porosity.</source>
      <translation>为空则取井的 effective_porosity 字段。</translation>
    </message>
    <message>
      <source>Water samples assessed</source>
      <translation>水样评估结果</translation>
    </message>
    <message>
      <source>One point per position and indicator: value, baseline, K, status, standard, class, rule.</source>
      <translation>每个点位和指标一个点：检测值、基线、K、状态、标准、类别、规则。</translation>
    </message>
    <message>
      <source>Groundwater plume</source>
      <translation>地下水污染羽</translation>
    </message>
    <message>
      <source>Per indicator and confidence level (50, 80, 95 %): area m2, volume m3.</source>
      <translation>按指标和置信水平（50%、80%、95%）：面积 m2、体积 m3。</translation>
    </message>
    <message>
      <source>Damaged reach</source>
      <translation>受损河段</translation>
    </message>
    <message>
      <source>Per indicator: from the discharge section to the first section meeting the baseline.</source>
      <translation>按指标：自汇入断面至第一个达到基线的断面。</translation>
    </message>
    <message>
      <source>Water damage summary</source>
      <translation>水环境损害汇总</translation>
    </message>
    <message>
      <source>medium, indicator, confidence, area_m2, volume_m3, length_m ...: read by valuation.</source>
      <translation>medium、indicator、confidence、area_m2、volume_m3、length_m 等：供价值量化读取。</translation>
    </message>
    <message>
      <source>Reading the wells, sections and lab results</source>
      <translation>读取监测井、断面和检测结果</translation>
    </message>
    <message>
      <source>Assessing the water damage</source>
      <translation>评估水环境损害</translation>
    </message>
    <message>
      <source>Writing the layers and table</source>
      <translation>写出图层和表格</translation>
    </message>
    <message>
      <source>Report document (DOCX draft)</source>
      <translation>鉴定评估报告草稿（DOCX）</translation>
    </message>
    <message>
      <source>Writes a DOCX draft of the appraisal report from the outputs of a case: the case (from case.toml), the methods with every parameter and its source (read from the provenance records beside the outputs), the survey (functional areas, points, samples, sampling-rule compliance), the results (baselines, exceedances, damaged area and volume with their range, cut and fill, vegetation lost), the valuation summary (valuation.json; 'not assessed' without it), the annex tables of 自然资规〔2024〕5号 (control point survey results, sampling and analysis results, area/grade/thickness per block, resource per block, resource summary), the figures (PNG files of a folder, captions from captions.json) and the list of the source files with their SHA-256. Outputs are found by file name in the folder; a file given one by one takes precedence. Every sentence comes from the template resources/report/report_&lt;language&gt;.toml; the same outputs give the same DOCX bytes.</source>
      <translation>根据案件成果编制鉴定评估报告的 DOCX 草稿：案件基本情况（取自 case.toml）；工作方法及各参数与依据（取自成果旁的溯源记录）；实地调查（功能区、点位、样品、布点规则符合性）；检测结果（基线、超基线、受损面积与体积及其范围、挖填方、植被损毁）；价值核算摘要（valuation.json，缺少时注明“未评估”）；自然资规〔2024〕5号所列附表（控制点测量成果表、采样及样品分析结果表、分段面积平均品位平均厚度计算表、分段资源量计算表、资源量估算汇总表）；附图（文件夹中的 PNG，图名取自 captions.json）；以及全部来源文件及其 SHA-256。成果文件按文件名在文件夹中查找，单独指定的文件优先。每一句话均来自模板 resources/report/report_&lt;语言&gt;.toml；相同的成果生成字节相同的 DOCX。</translation>
    </message>
    <message>
      <source>Case outputs (folder)</source>
      <translation>案件成果（文件夹）</translation>
    </message>
    <message>
      <source>A case package or output folder; each output is found by its file name below it.</source>
      <translation>案件成果包或成果文件夹；按文件名在其中查找各成果文件。</translation>
    </message>
    <message>
      <source>Figures (folder of PNG files)</source>
      <translation>附图（PNG 文件夹）</translation>
    </message>
    <message>
      <source>The report maps as PNG, sorted by name; captions from captions.json ({"file.png": "caption"}) or a .txt beside each, else the file name.</source>
      <translation>报告图件（PNG），按文件名排序；图名取自 captions.json（{"file.png": "图名"}）或同名 .txt 文件，否则用文件名。</translation>
    </message>
    <message>
      <source>Language</source>
      <translation>语言</translation>
    </message>
    <message>
      <source>The language of the sentences; table headers stay Chinese first.</source>
      <translation>正文语言；表头始终以中文为先。</translation>
    </message>
    <message>
      <source>Report (DOCX)</source>
      <translation>报告（DOCX）</translation>
    </message>
    <message>
      <source>Word document (*.docx)</source>
      <translation>Word 文档 (*.docx)</translation>
    </message>
    <message>
      <source>Written atomically, with its provenance record beside it.</source>
      <translation>以原子方式写出，旁附溯源记录。</translation>
    </message>
    <message>
      <source>Takes precedence over the file of this name in the outputs folder.</source>
      <translation>优先于成果文件夹中的同名文件。</translation>
    </message>
    <message>
      <source>Tables in the report</source>
      <translation>报告中的表格数</translation>
    </message>
    <message>
      <source>Source files listed</source>
      <translation>列出的来源文件数</translation>
    </message>
    <message>
      <source>Finding the case outputs</source>
      <translation>查找案件成果</translation>
    </message>
    <message>
      <source>Building the report</source>
      <translation>编制报告</translation>
    </message>
    <message>
      <source>Writing the report</source>
      <translation>写出报告</translation>
    </message>
    <message>
      <source>Chinese</source>
      <translation>中文</translation>
    </message>
    <message>
      <source>English</source>
      <translation>英文</translation>
    </message>
    <message>
      <source>{0} tables, {1} source files listed</source>
      <translation>表格 {0} 个，列出来源文件 {1} 个</translation>
    </message>
    <message>
      <source>Output file: {0}</source>
      <translation>成果文件：{0}</translation>
    </message>
    <message>
      <source>Report maps</source>
      <translation>鉴定报告图件</translation>
    </message>
    <message>
      <source>Print layouts for the appraisal report, one per theme: site overview, functional zones, sampling plan (with the depth schedule as a table), contaminant distribution (classes with a break at the baseline), damage extent, vegetation damage, mined volume (cut/fill) and, where water layers are given, water monitoring. A theme whose layers are not given is skipped with a line saying which. Each map is in the CGCS2000 3-degree Gauss-Kruger zone of the case (or the CRS chosen), with a labelled grid of eastings and northings (a geographic graticule on request), scale bar and numeric scale, north arrow, a legend with Chinese labels, the title from the case file, the datum note (CGCS2000, Gauss-Kruger, zone and central meridian, 1985 national height datum), data sources and imagery date, compiling unit, author and date. Exports a vector PDF and a PNG (300 dpi by default) per theme into the output folder; with a project file, the layouts are saved in it for editing. Layouts come from the templates in resources/layouts (.qpt).</source>
      <translation>为鉴定评估报告制作打印布局，每个专题一幅：现场概况、功能分区、采样布点（附采样深度方案表）、污染物含量分布（分级在基线处断开）、损害范围、植被破坏、开采挖填方，以及给出水环境图层时的水环境监测布点。未给出所需图层的专题将跳过，并说明缺少哪个图层。每幅图采用案件所在的2000国家大地坐标系高斯-克吕格3°分带（或所选坐标系），带有标注横纵坐标的坐标格网（可选经纬网）、比例尺和数字比例尺、指北针、中文图例、取自案件文件的图名、坐标系统说明（2000国家大地坐标系、高斯-克吕格投影、带号与中央经线、1985国家高程基准）、数据来源与影像日期、编制单位、制图人和日期。每个专题向输出文件夹导出矢量PDF和PNG（默认300 dpi）；给出工程文件时，布局保存在其中以便编辑。布局来自resources/layouts中的模板（.qpt）。</translation>
    </message>
    <message>
      <source>Case file (title, unit, sources)</source>
      <translation>案件文件（图名、单位、数据来源）</translation>
    </message>
    <message>
      <source>The case's TOML file: the title is the case name, the compiling unit its institution, the imagery date its survey date, the map CRS its zone.</source>
      <translation>案件的TOML文件：图名取案件名称，编制单位取鉴定机构，影像日期取调查日期，地图坐标系取其分带。</translation>
    </message>
    <message>
      <source>Case boundary</source>
      <translation>案涉范围</translation>
    </message>
    <message>
      <source>Sampling grid cells</source>
      <translation>采样网格单元</translation>
    </message>
    <message>
      <source>Interpolated concentration raster</source>
      <translation>插值含量栅格</translation>
    </message>
    <message>
      <source>Damage-degree raster</source>
      <translation>损害程度栅格</translation>
    </message>
    <message>
      <source>Water sampling positions</source>
      <translation>水样采样位置</translation>
    </message>
    <message>
      <source>Themes</source>
      <translation>专题</translation>
    </message>
    <message>
      <source>Maps to make; all by default (those whose layers are given).</source>
      <translation>要制作的专题图；默认全部（给出了所需图层的专题）。</translation>
    </message>
    <message>
      <source>Map CRS</source>
      <translation>地图坐标系</translation>
    </message>
    <message>
      <source>Default: the case file's zone, else the CGCS2000 3-degree Gauss-Kruger zone of the layers' centre (EPSG 4534-4554).</source>
      <translation>默认：案件文件中的分带，否则取图层中心所在的2000国家大地坐标系高斯-克吕格3°带（EPSG 4534-4554）。</translation>
    </message>
    <message>
      <source>Add a geographic graticule (CGCS2000)</source>
      <translation>添加经纬网（2000国家大地坐标系）</translation>
    </message>
    <message>
      <source>Longitude/latitude crosses labelled in degrees, minutes, seconds.</source>
      <translation>经纬网十字，以度分秒标注。</translation>
    </message>
    <message>
      <source>PNG resolution (dpi)</source>
      <translation>PNG分辨率（dpi）</translation>
    </message>
    <message>
      <source>300 dpi: print quality for a report.</source>
      <translation>300 dpi：报告印刷质量。</translation>
    </message>
    <message>
      <source>Atlas over the functional zones</source>
      <translation>按功能分区制作图集</translation>
    </message>
    <message>
      <source>One more PDF with a page per zone (damage extent if given, else the zones), and a PNG per zone.</source>
      <translation>另导出一个每个功能分区一页的PDF（给出损害范围时为损害范围图，否则为功能分区图），以及每个分区一幅PNG。</translation>
    </message>
    <message>
      <source>Map folder</source>
      <translation>图件文件夹</translation>
    </message>
    <message>
      <source>&lt;theme&gt;.pdf and &lt;theme&gt;.png per theme (more pages: &lt;theme&gt;_2.png ...), with their provenance; files of other themes already there are left alone.</source>
      <translation>每个专题输出&lt;theme&gt;.pdf和&lt;theme&gt;.png（多页时为&lt;theme&gt;_2.png ……），附溯源记录；文件夹中其他专题已有的文件保持不变。</translation>
    </message>
    <message>
      <source>QGIS project with the layouts</source>
      <translation>含布局的QGIS工程</translation>
    </message>
    <message>
      <source>QGIS project (*.qgz)</source>
      <translation>QGIS工程 (*.qgz)</translation>
    </message>
    <message>
      <source>Saves the styled layers and the layouts for editing in QGIS.</source>
      <translation>保存带样式的图层和布局，以便在QGIS中编辑。</translation>
    </message>
    <message>
      <source>Atlas skipped: no functional zones given.</source>
      <translation>图集已跳过：未给出功能分区。</translation>
    </message>
    <message>
      <source>Optional: the themes that show it are skipped without it.</source>
      <translation>可选：缺少时，需要它的专题将跳过。</translation>
    </message>
    <message>
      <source>Depth schedule (table)</source>
      <translation>采样深度方案（表）</translation>
    </message>
    <message>
      <source>The samples of depth_schedule: summarised per point in the sampling-plan table.</source>
      <translation>depth_schedule输出的样品：在采样布点图的表中按点位汇总。</translation>
    </message>
    <message>
      <source>The baseline table: the concentration classes break at the indicator's baseline.</source>
      <translation>基线表：含量分级在该指标的基线处断开。</translation>
    </message>
    <message>
      <source>Title (before the theme name)</source>
      <translation>图名（专题名之前）</translation>
    </message>
    <message>
      <source>Default: the case name.</source>
      <translation>默认：案件名称。</translation>
    </message>
    <message>
      <source>Compiling unit</source>
      <translation>编制单位</translation>
    </message>
    <message>
      <source>Default: the case's institution.</source>
      <translation>默认：案件的鉴定机构。</translation>
    </message>
    <message>
      <source>Author</source>
      <translation>制图人</translation>
    </message>
    <message>
      <source>Left blank for a signature when not given.</source>
      <translation>未给出时留空，供签名。</translation>
    </message>
    <message>
      <source>Date</source>
      <translation>日期</translation>
    </message>
    <message>
      <source>Default: today (YYYY-MM-DD).</source>
      <translation>默认：今天（YYYY-MM-DD）。</translation>
    </message>
    <message>
      <source>Data sources</source>
      <translation>数据来源</translation>
    </message>
    <message>
      <source>Default: the case file's [sources].</source>
      <translation>默认：案件文件的[sources]。</translation>
    </message>
    <message>
      <source>Imagery date</source>
      <translation>影像日期</translation>
    </message>
    <message>
      <source>Default: the case's survey date.</source>
      <translation>默认：案件的调查日期。</translation>
    </message>
    <message>
      <source>Themes made</source>
      <translation>已制作的专题</translation>
    </message>
    <message>
      <source>Themes skipped, with why</source>
      <translation>跳过的专题及原因</translation>
    </message>
    <message>
      <source>Reading the case and the layers</source>
      <translation>读取案件和图层</translation>
    </message>
    <message>
      <source>Building and exporting the maps</source>
      <translation>制作并导出图件</translation>
    </message>
    <message>
      <source>Saving the project</source>
      <translation>保存工程</translation>
    </message>
    <message>
      <source>A map needs at least one layer.</source>
      <translation>地图至少需要一个图层。</translation>
    </message>
    <message>
      <source>No map was made: {0}</source>
      <translation>未制作任何图件：{0}</translation>
    </message>
    <message>
      <source>Baseline table: columns 'indicator' and 'baseline' expected, found {0}.</source>
      <translation>基线表：应有列'indicator'和'baseline'，实际为{0}。</translation>
    </message>
    <message>
      <source>Depth schedule: columns {0} expected, found {1}.</source>
      <translation>采样深度方案：应有列{0}，实际为{1}。</translation>
    </message>
    <message>
      <source>{0}: no depth schedule given: the table page is left out.</source>
      <translation>{0}：未给出采样深度方案，省略表格页。</translation>
    </message>
    <message>
      <source>{0} ({1}) skipped: no {2} given.</source>
      <translation>{0}（{1}）已跳过：未给出{2}。</translation>
    </message>
    <message>
      <source>{0} ({1}): map at 1:{2}</source>
      <translation>{0}（{1}）：比例尺1:{2}</translation>
    </message>
    <message>
      <source>The depth table {0} does not open.</source>
      <translation>采样深度表{0}无法打开。</translation>
    </message>
    <message>
      <source>The project {0} was not written: {1}</source>
      <translation>工程{0}未能写入：{1}</translation>
    </message>
    <message>
      <source>Case file {0}: {1}</source>
      <translation>案件文件{0}：{1}</translation>
    </message>
    <message>
      <source>Depth schedule</source>
      <translation>采样深度方案与外业表</translation>
    </message>
    <message>
      <source>Lists the soil samples of every point following each depth rule of the guideline: a 0-0.5 m surface sample; from 0.5 m to 6 m samples at most 2 m apart, below 6 m at most 3 m apart; at least one sample in each soil layer, one near the water table and one in the saturated zone; in INJ the deepest sample more than 3 m below the hole bottom (the deepest hole of the unit, on which Sampling grid places the point), elsewhere more than 3 m below the bottom of the pond or ditch the point serves. Soil layers and the water table come from a table (per point or per zone), the points' fields, or the water-table parameter. Each sample gets its id &lt;point&gt;-&lt;top depth in cm&gt;, its reasons and its analysis indicators (basic properties, rare earth elements, leaching-agent residues, heavy metals, migration parameters). With zones and a stream, it also places the groundwater wells (down-gradient of INJ and SETL, a control well up-gradient) and the surface-water and sediment sections (upstream control, discharge, downstream). Writes the field workbook (XLSX, Chinese and English headers: points, depths, indicators, rule compliance, water positions) and the points as GPX/KML for a handheld GPS.</source>
      <translation>按指南的各项深度规则列出每个点位的土壤样品：0~0.5 m 表层样；0.5 m~6 m 采样间隔不超过2 m，6 m以下不超过3 m；不同性质土层、地下水位线附近及饱和带各至少一个样品；注孔区最深样品超过注药孔底部以下3 m（以单元内最深的注孔为准，采样网格将点位布设于该孔），其他区域超过相关池体或沟渠底部以下3 m。土层和地下水位取自土层表（按点位或按功能区）、点位字段或地下水位参数。每个样品给出编号 &lt;点位&gt;-&lt;顶深cm&gt;、布设理由和分析指标（基础理化性质、稀土元素、浸矿剂残留、重金属、迁移参数）。提供功能分区和河流时，同时布设地下水监测井（注孔区和沉淀区下游各一口，上游对照井一口）及地表水和底泥断面（上游对照、汇入处、下游）。输出外业工作表（XLSX，中英文表头：点位、深度方案、分析指标、规则符合性、水体点位）及手持GPS用的 GPX/KML。</translation>
    </message>
    <message>
      <source>Points with point_id, zone and bottom_m (hole, pond or ditch bottom), e.g. from Sampling grid.</source>
      <translation>含 point_id、zone 和 bottom_m（注孔、池体或沟渠底深）的点位，如“采样网格布点”的输出。</translation>
    </message>
    <message>
      <source>Control points get the same depth schedule, for a baseline at every depth.</source>
      <translation>对照点位采用同样的深度方案，以获得各深度的基线。</translation>
    </message>
    <message>
      <source>Soil layers</source>
      <translation>土层</translation>
    </message>
    <message>
      <source>Table of soil layers per point (point_id) or per zone (zone): top and bottom depth in m, layer name, optional water-table depth in m.</source>
      <translation>土层表，按点位（point_id）或按功能区（zone）给出：顶、底深度（m）、土层名称，可含地下水位埋深（m）。</translation>
    </message>
    <message>
      <source>Water-table depth where no table or field gives it (m)</source>
      <translation>地下水位埋深（无表格或字段时使用，m）</translation>
    </message>
    <message>
      <source>Depth of the water table below ground, m; a point's own field or the layer table wins.</source>
      <translation>地下水位埋深，m；点位自身字段或土层表优先。</translation>
    </message>
    <message>
      <source>Functional zones (for water positions)</source>
      <translation>功能分区（用于水体点位）</translation>
    </message>
    <message>
      <source>Zones from Functional zones; needed for the groundwater wells and stream sections.</source>
      <translation>“功能分区”的输出；布设地下水监测井和河流断面时需要。</translation>
    </message>
    <message>
      <source>The stream the leachate reaches, lines (direction checked on the DEM).</source>
      <translation>浸出液汇入的河流，线（流向用 DEM 校核）。</translation>
    </message>
    <message>
      <source>DEM (groundwater flow direction)</source>
      <translation>DEM（地下水流向）</translation>
    </message>
    <message>
      <source>Gives the down-gradient direction for the wells and the stream's flow direction.</source>
      <translation>用于确定监测井的下游方向和河流流向。</translation>
    </message>
    <message>
      <source>Soil samples</source>
      <translation>土壤样品</translation>
    </message>
    <message>
      <source>One row per sample: id, point, zone, top and bottom depth (m), reasons, indicators.</source>
      <translation>每个样品一行：编号、点位、功能区、顶底深度（m）、布设理由、分析指标。</translation>
    </message>
    <message>
      <source>Water and sediment positions</source>
      <translation>水体与底泥采样点位</translation>
    </message>
    <message>
      <source>Groundwater wells, surface-water and sediment sections (needs zones).</source>
      <translation>地下水监测井、地表水及底泥断面（需要功能分区）。</translation>
    </message>
    <message>
      <source>Field workbook</source>
      <translation>外业工作表</translation>
    </message>
    <message>
      <source>Points, depth schedule, indicators, rule compliance, water positions.</source>
      <translation>点位、深度方案、分析指标、规则符合性、水体点位。</translation>
    </message>
    <message>
      <source>Points for handheld GPS (GPX)</source>
      <translation>手持GPS点位（GPX）</translation>
    </message>
    <message>
      <source>Waypoints in CGCS2000 longitude/latitude.</source>
      <translation>2000国家大地坐标系经纬度航点。</translation>
    </message>
    <message>
      <source>Points for handheld GPS (KML)</source>
      <translation>手持GPS点位（KML）</translation>
    </message>
    <message>
      <source>The same points as KML.</source>
      <translation>同样的点位，KML 格式。</translation>
    </message>
    <message>
      <source>Reading the points, soil layers, zones and stream</source>
      <translation>读取采样点、土层、功能分区和溪流</translation>
    </message>
    <message>
      <source>Scheduling the sample depths and placing the water positions</source>
      <translation>确定采样深度并布设水体点位</translation>
    </message>
    <message>
      <source>Writing the field workbook and GPS files</source>
      <translation>写出外业表和GPS文件</translation>
    </message>
    <message>
      <source>Writing the samples and water positions</source>
      <translation>写出样品和水体点位</translation>
    </message>
    <message>
      <source>{0} FAIL: {1} ({2})</source>
      <translation>{0} 不符合：{1}（{2}）</translation>
    </message>
    <message>
      <source>Divides the case area into the four functional areas of the guideline: leaching-agent preparation area (PREP), injection hole area (INJ), leachate collection area including the area the leachate flowed through (COLL) and leachate precipitation area (SETL). INJ follows the hole field (buffered union of the holes, gaps under 20 m closed), never a bounding box; pools, ditches and ponds get a 2 m band, so that their sampling points can stand within 2 m of them as the guideline requires. With a DEM, the flow-through part of COLL is the downslope path of the leachate from INJ to the ditches and ponds, by D8 flow routing on the depression-filled DEM. Where zones would overlap the priority SETL &gt; PREP &gt; INJ &gt; COLL decides; all zones are clipped to the case boundary. Invalid geometries are repaired and reported; layers in a geographic CRS are reprojected into the CGCS2000 Gauss-Kruger zone of the case. Each zone records its area in m2 and the features that made it.</source>
      <translation>将案涉区域划分为指南规定的四个功能区：浸矿剂配制区（PREP）、注孔区（INJ）、浸出液收集区（含浸出液流经区，COLL）和浸出液沉淀区（SETL）。注孔区沿注药孔群划定（各孔缓冲后合并，闭合小于20 m的间隙），不使用外包矩形；配制池、沟渠和沉淀池外扩2 m，使其采样点能按指南要求位于2 m范围内。提供 DEM 时，收集区中的流经部分为浸出液自注孔区向沟渠和沉淀池的下坡路径，在填洼后的 DEM 上用 D8 流向算法追踪。功能区重叠时按 沉淀区 &gt; 配制区 &gt; 注孔区 &gt; 收集区 的优先级处理；各功能区均裁剪到案涉范围内。无效几何自动修复并报告；地理坐标系图层转换到案件所在的2000国家大地坐标系高斯-克吕格分带。每个功能区记录面积（m²）及构成要素。</translation>
    </message>
    <message>
      <source>Polygon(s) of the case area; every zone is clipped to it.</source>
      <translation>案涉范围面；各功能区均裁剪到该范围内。</translation>
    </message>
    <message>
      <source>DEM (for the leachate flow path)</source>
      <translation>DEM（用于浸出液流经路径）</translation>
    </message>
    <message>
      <source>Elevation model, m (1985 height datum); the flow-through path is traced on it by D8.</source>
      <translation>高程模型，m（1985国家高程基准）；用 D8 算法追踪浸出液流经路径。</translation>
    </message>
    <message>
      <source>One polygon per zone with code, Chinese and English name, area (m2) and sources.</source>
      <translation>每个功能区一个面，含代码、中英文名称、面积（m²）及来源要素。</translation>
    </message>
    <message>
      <source>Leachate flow cells</source>
      <translation>浸出液流经栅格单元</translation>
    </message>
    <message>
      <source>DEM cells on the leachate path with the number of INJ cells draining through; feed them to the sampling grid so flow-through points stand on the path.</source>
      <translation>浸出液流经路径上的 DEM 栅格单元及流经该单元的注孔区单元数；将其输入采样网格布点，使流经区点位布设在路径上。</translation>
    </message>
    <message>
      <source>The zones are drawn around the mining works.</source>
      <translation>功能区围绕开采设施划定。</translation>
    </message>
    <message>
      <source>Buffer around each hole</source>
      <translation>注药孔缓冲距离</translation>
    </message>
    <message>
      <source>5 m: wetting radius of a hole (1-2 m) plus the error of a handheld GPS (3-5 m).</source>
      <translation>5 m：注药孔浸润半径（1-2 m）加手持GPS误差（3-5 m）。</translation>
    </message>
    <message>
      <source>Largest gap inside one hole field</source>
      <translation>同一孔群内的最大间距</translation>
    </message>
    <message>
      <source>Holes closer than this belong to one field (hole spacing in the field is 2-3 m).</source>
      <translation>间距小于该值的注药孔属于同一孔群（野外孔距一般为2-3 m）。</translation>
    </message>
    <message>
      <source>Band around pools, ditches and ponds</source>
      <translation>池体及沟渠外扩距离</translation>
    </message>
    <message>
      <source>2 m: the guideline places pond and ditch points within 2 m of them.</source>
      <translation>2 m：指南要求池体及沟渠采样位置原则上不超过其2 m范围。</translation>
    </message>
    <message>
      <source>Reading the case boundary and the works</source>
      <translation>读取案件范围和开采设施</translation>
    </message>
    <message>
      <source>Zoning (and tracing the leachate path on the DEM)</source>
      <translation>功能分区（并在DEM上追踪浸出液流经路径）</translation>
    </message>
    <message>
      <source>Writing the zones and flow cells</source>
      <translation>写出功能分区和流经栅格</translation>
    </message>
    <message>
      <source>Sampling grid</source>
      <translation>土壤采样网格布点</translation>
    </message>
    <message>
      <source>Lays out the soil sampling units of each functional zone on a grid of at most 40 m x 40 m (1600 m2, the guideline's limit; a larger cell is refused) and one point per unit. A partial cell at a zone edge smaller than half a cell joins the neighbouring unit it shares the longest border with when the union stays within 1600 m2; otherwise it stays a unit of its own (slivers under 16 m2 or thinner than 1 m are dropped and reported). A unit merges once at most (no chains of slivers) and a cell the zone crosses twice gives one unit per part: every unit is one contiguous part within two cells. Each point stands as close to the likely source inside its unit as the unit allows: 1 m outside the edge of a pond, pool or ditch (within the 2 m rule; never in water nor inside another pond; units wholly under water are left out), on the deepest injection hole of the unit (the one that governs the depth) or on the leachate flow path, or toward the nearest hole; it records why and its distance to the source. A case under 5000 m2 gets at least 3 points. Point ids are &lt;zone&gt;-&lt;nnn&gt;, numbered from the north-west, stable for the same inputs; points carry x/y in the zone CRS and CGCS2000 longitude/latitude in decimal degrees and DMS. Control points for the baseline are laid in the control area by the same rule or by count. The compliance table checks every rule on the result.</source>
      <translation>在各功能区内按不大于40 m×40 m（1600 m²，指南规定；更大的网格将被拒绝）的网格布设土壤采样单元，每个单元一个点位。功能区边缘小于半个网格的不完整网格，在合并后不超过1600 m²时并入与其共边最长的相邻单元，否则单独作为一个单元（小于16 m²或窄于1 m的碎片剔除并报告）。每个单元至多合并一次（碎片不连锁合并），功能区两次穿过的网格按各部分分为不同单元：每个单元为一个连续整体，范围不超过两个网格。每个点位在单元内尽量靠近潜在污染源：位于池体、配制池或沟渠边缘外1 m（满足2 m规定；不位于水体或其他池体内，完全位于水体内的单元剔除）、单元内最深的注药孔（决定采样深度的孔）或浸出液流经路径上，或朝向最近的注药孔；并记录布设理由及与污染源的距离。案涉面积小于5000 m²的案件不少于3个点位。点位编号为 &lt;功能区&gt;-&lt;序号&gt;，自西北起编号，相同输入编号不变；点位含分带坐标 x/y 及2000国家大地坐标系经纬度（十进制度和度分秒）。基线对照点按相同规则或指定数量布设在对照区。规则符合性表逐条核查结果。</translation>
    </message>
    <message>
      <source>Zone polygons with a 'zone' field (PREP, INJ, COLL, SETL), e.g. from Functional zones.</source>
      <translation>含 zone 字段（PREP、INJ、COLL、SETL）的功能区面，如“功能分区”的输出。</translation>
    </message>
    <message>
      <source>The 'Leachate flow cells' output of Functional zones: flow-through points stand on the path.</source>
      <translation>“功能分区”输出的浸出液流经栅格单元：流经区点位布设在流经路径上。</translation>
    </message>
    <message>
      <source>The case area; its size decides the rule of at least 3 points under 5000 m2.</source>
      <translation>案涉范围；其面积决定“小于5000 m²不少于3个点位”的规则是否适用。</translation>
    </message>
    <message>
      <source>Control area</source>
      <translation>对照区</translation>
    </message>
    <message>
      <source>Reference area of the same soil for the baseline samples.</source>
      <translation>土壤类型相同的对照区域，用于基线采样。</translation>
    </message>
    <message>
      <source>Grid cell size</source>
      <translation>网格边长</translation>
    </message>
    <message>
      <source>At most 40 m (a 1600 m2 sampling unit, the guideline's rule); smaller is allowed.</source>
      <translation>不大于40 m（采样单元不大于1600 m²，指南规定）；可更小。</translation>
    </message>
    <message>
      <source>Number of control points (0: by the grid rule)</source>
      <translation>对照点数量（0：按网格规则）</translation>
    </message>
    <message>
      <source>0 lays control points on the same grid as the case; fewer than 5 gives a warning.</source>
      <translation>0 表示按与案涉区相同的网格布设对照点；少于5个时给出警告。</translation>
    </message>
    <message>
      <source>Merge edge cells smaller than (fraction of a cell)</source>
      <translation>合并小于该比例的边缘网格（占整格比例）</translation>
    </message>
    <message>
      <source>Partial cells below this fraction join a neighbour when the union stays within 1600 m2.</source>
      <translation>小于该比例的边缘不完整网格在合并后不超过1600 m²时并入相邻单元。</translation>
    </message>
    <message>
      <source>Distance of bank points from the edge</source>
      <translation>岸边点位距边缘距离</translation>
    </message>
    <message>
      <source>Points serving a pond, pool or ditch stand this far outside its edge (at most 2 m).</source>
      <translation>池体或沟渠的点位位于其边缘外该距离处（不超过2 m）。</translation>
    </message>
    <message>
      <source>Sampling units</source>
      <translation>采样单元</translation>
    </message>
    <message>
      <source>Units of at most 1600 m2 per zone.</source>
      <translation>各功能区内不大于1600 m²的采样单元。</translation>
    </message>
    <message>
      <source>One point per unit with id, zone, source, reason, distance, x/y and lon/lat.</source>
      <translation>每个单元一个点位，含编号、功能区、污染源、布设理由、距离、x/y及经纬度。</translation>
    </message>
    <message>
      <source>Control units</source>
      <translation>对照采样单元</translation>
    </message>
    <message>
      <source>Units of the control area.</source>
      <translation>对照区的采样单元。</translation>
    </message>
    <message>
      <source>Control points (CTRL-nnn).</source>
      <translation>对照点位（CTRL-nnn）。</translation>
    </message>
    <message>
      <source>Rule compliance</source>
      <translation>规则符合性</translation>
    </message>
    <message>
      <source>Each rule, the points it applies to, pass/fail.</source>
      <translation>每条规则、适用点位数及是否符合。</translation>
    </message>
    <message>
      <source>Reading the zones, works and areas</source>
      <translation>读取功能分区、开采设施和范围</translation>
    </message>
    <message>
      <source>Laying the grid and placing the points</source>
      <translation>布设网格并确定点位</translation>
    </message>
    <message>
      <source>Checking the sampling rules</source>
      <translation>检查布点规则</translation>
    </message>
    <message>
      <source>Writing the units, points and compliance table</source>
      <translation>写出采样单元、点位和合规表</translation>
    </message>
    <message>
      <source>{0} {1}: {2}</source>
      <translation>{0} {1}：{2}</translation>
    </message>
    <message>
      <source>The zones {0} place their points at the mining works.</source>
      <translation>功能区 {0} 的点位布设在开采设施处。</translation>
    </message>
    <message>
      <source>Injection holes</source>
      <translation>注药孔</translation>
    </message>
    <message>
      <source>Points of the injection holes, with their depth in m.</source>
      <translation>注药孔点位，含孔深（m）。</translation>
    </message>
    <message>
      <source>Hole depth field (m)</source>
      <translation>孔深字段（m）</translation>
    </message>
    <message>
      <source>Depth of each hole below ground, m; INJ sampling goes more than 3 m below it.</source>
      <translation>注药孔深度，m；注孔区采样深度应超过孔底以下3 m。</translation>
    </message>
    <message>
      <source>Preparation pools</source>
      <translation>浸矿剂配制池</translation>
    </message>
    <message>
      <source>Leaching-agent preparation pools, polygons (or points where only the position is known).</source>
      <translation>浸矿剂配制池，面（仅知位置时为点）。</translation>
    </message>
    <message>
      <source>Collection ditches and pipes</source>
      <translation>集液沟渠及管道</translation>
    </message>
    <message>
      <source>Leachate collection ditches and pipes, lines.</source>
      <translation>浸出液收集沟渠及管道，线。</translation>
    </message>
    <message>
      <source>Settling ponds</source>
      <translation>沉淀池</translation>
    </message>
    <message>
      <source>Leachate settling (precipitation) ponds, polygons.</source>
      <translation>浸出液沉淀池，面。</translation>
    </message>
    <message>
      <source>Bottom depth field of pools, ditches and ponds (m)</source>
      <translation>池体及沟渠底深字段（m）</translation>
    </message>
    <message>
      <source>Field with the depth of the bottom below ground, m; defaults are used where it is missing.</source>
      <translation>池底或沟底埋深字段，m；缺失时采用默认值。</translation>
    </message>
    <message>
      <source>Run the whole case</source>
      <translation>运行整个案例</translation>
    </message>
    <message>
      <source>Runs the whole chain from one case file (case.toml): functional zones, sampling grid, depth schedule; with lab results, baseline, interpolation and damage extent; vegetation damage where an orthomosaic is given and mined volume where two DEMs are; valuation; the report maps (PDF and PNG per theme whose layers exist, [parameters.maps] dpi, 300 by default); the draft report (DOCX) with the maps as figures. A step whose inputs the case file does not give is skipped with a line saying why. Writes a case package: case.gpkg with every vector layer, each step's rasters, tables and workbooks, manifest.json (every file with its SHA-256, the parameters, versions and step times) and case.qgz, a QGIS project with every layer grouped by step and the maps' print layouts. The same inputs give the same files; a second run reruns only the steps whose inputs or parameters changed. The same as: python -m ree_damage run case.toml --output &lt;folder&gt;.</source>
      <translation>从一个案例文件（case.toml）运行整个流程：功能分区、采样布点、采样深度；有检测结果时，基线、空间插值和损害范围；有正射影像时植被损害，有两期 DEM 时开采方量；损害价值量化；报告图件（每个图层齐备的专题各一份 PDF 和 PNG，分辨率取 [parameters.maps] dpi，默认 300）；以图件为插图的鉴定评估报告草稿（DOCX）。案例文件未给出输入的步骤被跳过，并说明原因。写出案例成果包：包含全部矢量图层的 case.gpkg、各步骤的栅格、表格和工作簿、manifest.json（每个文件及其 SHA-256、参数、版本和各步骤用时），以及按步骤分组包含全部图层和图件打印布局的 QGIS 工程 case.qgz。相同的输入得到相同的文件；再次运行时只重新运行输入或参数已变化的步骤。等同于：python -m ree_damage run case.toml --output &lt;文件夹&gt;。</translation>
    </message>
    <message>
      <source>Case file</source>
      <translation>案例文件</translation>
    </message>
    <message>
      <source>The case.toml naming the inputs (paths relative to it) and the parameters.</source>
      <translation>列出输入（相对于它的路径）和参数的 case.toml。</translation>
    </message>
    <message>
      <source>Case package folder</source>
      <translation>案例成果包文件夹</translation>
    </message>
    <message>
      <source>A new or empty folder, or the package of an earlier run (reused where unchanged).</source>
      <translation>新的或空的文件夹，或以前运行的成果包（未变化的部分沿用）。</translation>
    </message>
    <message>
      <source>Rerun every step</source>
      <translation>重新运行所有步骤</translation>
    </message>
    <message>
      <source>Rerun the steps whose inputs did not change too.</source>
      <translation>输入未变化的步骤也重新运行。</translation>
    </message>
    <message>
      <source>Case package</source>
      <translation>案例成果包</translation>
    </message>
    <message>
      <source>QGIS project</source>
      <translation>QGIS 工程</translation>
    </message>
    <message>
      <source>Manifest</source>
      <translation>清单</translation>
    </message>
    <message>
      <source>Running the case chain into the package</source>
      <translation>运行案例流程，写出成果包</translation>
    </message>
    <message>
      <source>Writing the QGIS project</source>
      <translation>写出 QGIS 工程</translation>
    </message>
    <message>
      <source>Sample case (synthetic)</source>
      <translation>示例案例（合成数据）</translation>
    </message>
    <message>
      <source>Writes a synthetic but realistic illegal in-situ leaching site in southern Jiangxi (about 115.0 E, 25.0 N; CGCS2000 3-degree zone CM 114E, EPSG:4547): case boundary, injection holes, collection ditches, settling ponds, preparation pools, control area, DEMs before and after mining, a drone orthomosaic, sampled points and a lab result sheet (CSV and XLSX, with values below detection limit), and a case file. Every file is marked synthetic. The same seed and scale always give the same bytes. Use it to learn the workflow and to check an installation; never as evidence.</source>
      <translation>写出一个合成但接近真实的赣南非法原地浸矿场地（约东经115.0°、北纬25.0°；2000国家大地坐标系3°带，中央经线114°，EPSG:4547）：案涉范围、注药孔、集液沟渠、沉淀池、配制池、对照区、开采前后 DEM、无人机正射影像、已采样点位和检测结果表（CSV 和 XLSX，含低于检出限的数值），以及案件文件。所有文件均标注为合成数据。相同的种子和规模系数生成相同的文件。用于学习流程和检查安装，不得作为证据。</translation>
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
      <source>Leaching agent preparation pools</source>
      <translation>浸矿剂配制池</translation>
    </message>
    <message>
      <source>Collection ditches</source>
      <translation>集液沟</translation>
    </message>
    <message>
      <source>Stream</source>
      <translation>溪流</translation>
    </message>
    <message>
      <source>Access road</source>
      <translation>施工便道</translation>
    </message>
    <message>
      <source>Sampled points</source>
      <translation>已采样点位</translation>
    </message>
    <message>
      <source>Control sampling points</source>
      <translation>对照采样点位</translation>
    </message>
    <message>
      <source>Bare ground check polygons</source>
      <translation>裸地核查图斑</translation>
    </message>
    <message>
      <source>Drone orthomosaic</source>
      <translation>无人机正射影像</translation>
    </message>
    <message>
      <source>Sample case layers</source>
      <translation>示例案例图层</translation>
    </message>
    <message>
      <source>Writing the synthetic sample case</source>
      <translation>写出合成示例案件</translation>
    </message>
    <message>
      <source>Adding the layers to the project</source>
      <translation>将图层加入工程</translation>
    </message>
    <message>
      <source>Reproject to CGCS2000 zone</source>
      <translation>转换到2000国家大地坐标系分带</translation>
    </message>
    <message>
      <source>Reprojects one or more vector layers into the CGCS2000 Gauss-Kruger zone picked from the centre of their combined extent (3-degree zones EPSG:4534-4554 by default), so every layer lands in the same zone and areas and distances are measured in metres. Point layers get CGCS2000 longitude and latitude fields in decimal degrees and in degrees-minutes-seconds for the field team. Each layer is written to a GeoPackage in the output folder with a provenance record beside it.</source>
      <translation>将一个或多个矢量图层转换到按其合并范围中心选定的2000国家大地坐标系高斯-克吕格分带（默认3°带，EPSG:4534-4554），使所有图层位于同一分带，面积和距离以米计量。点图层增加2000国家大地坐标系经纬度字段（十进制度和度分秒），供外业使用。每个图层写入输出文件夹中的一个 GeoPackage，并附溯源记录。</translation>
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
      <source>Reading the layers</source>
      <translation>读取图层</translation>
    </message>
    <message>
      <source>Reprojecting and writing the layers</source>
      <translation>重投影并写出图层</translation>
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
      <source>Choose a CGCS2000 Gauss-Kruger CRS (EPSG:4491-4554).</source>
      <translation>请选择2000国家大地坐标系高斯-克吕格投影坐标系（EPSG:4491-4554）。</translation>
    </message>
    <message>
      <source>Wrote {0} ({1} features) in {2}</source>
      <translation>已写入 {0}（{1} 个要素），坐标系 {2}</translation>
    </message>
    <message>
      <source>Damage valuation</source>
      <translation>损害价值量化</translation>
    </message>
    <message>
      <source>Values the damage from the [valuation] section of the case file (every price and unit cost with its value, unit, source, date and [default] flag) and the tables of earlier steps: actual costs with receipts (guideline 10.1); mineral value by 自然资规〔2024〕5号 (sale proceeds, the unsold part at the average sale price, each period at its own price, or the price-determination institution's price; the destroyed resource = resource x the higher of the design's and the national minimum recovery rate) (10.6); restoration cost per measure, quantities from the damage tables (10.2); interim loss by habitat equivalency, discount rate 3 % with 2 % and 5 % sensitivity, crediting convention stated (10.2); forest ecosystem services by an editable unit-value table with a price-index adjustment (10.4); the residual loss (10.5). Writes an XLSX workbook (a summary sheet, one sheet per method, the parameters; values only, each line's formula as text) and a JSON with the same numbers, each with provenance. Money in decimal arithmetic, rounded half up to 0.01 yuan only for display. The total's range comes from the damage at P(exceed) &gt;= 50/80/95 % and the discount sensitivity. A missing price, a unit mismatch (m3 against t, 元/t against 万元/t), a negative quantity, a price date outside the act's period or a recovery rate above 1 stops the run naming the line and the parameter; nothing is written. Tick 'Write the parameter template' to write a [valuation] template instead.</source>
      <translation>依据案件文件的 [valuation] 节（每项价格与单价均载明数值、单位、来源、日期及是否为 [default] 默认值）和前序步骤的表格量化损害：实际发生费用及票据（指南10.1）；按自然资规〔2024〕5号计算矿产资源价值（销赃数额；未销售部分按已销售部分的平均价格；分时段按各时段价格；或价格认定机构的价格；破坏资源量 = 资源量 x 设计回采率与国家最低回采率中的较高者）（10.6）；按修复措施计算修复费用，工程量取自损害表格（10.2）；以生境等价分析计算期间损害，贴现率3%，敏感性2%和5%，载明计息约定（10.2）；以可编辑的单位价值表并经价格指数调整计算森林生态系统服务价值（10.4）；不可修复的剩余损害（10.5）。输出XLSX工作簿（汇总表、每种方法一张表及参数表；仅数值，各行计算式以文本给出）和数字相同的JSON，均附溯源记录。金额以十进制计算，仅在显示时四舍五入至0.01元。合计的范围来自P(超标) &gt;= 50/80/95 %的损害量和贴现率敏感性。缺少价格、单位不符（m3对t，元/t对万元/t）、数量为负、价格日期不在违法行为期间内或回采率大于1时，运行停止并指明所在行和参数，不写出任何文件。勾选“写出参数模板”则改为写出 [valuation] 模板。</translation>
    </message>
    <message>
      <source>Case file (TOML) with a [valuation] section</source>
      <translation>含 [valuation] 节的案件文件（TOML）</translation>
    </message>
    <message>
      <source>Prices, unit costs and method choices; [case] gives the act's period and survey date.</source>
      <translation>价格、单价和方法选择；[case] 给出违法行为期间和调查日期。</translation>
    </message>
    <message>
      <source>Interpolation rows of the damage summary</source>
      <translation>损害汇总表中采用的插值方法</translation>
    </message>
    <message>
      <source>Which interpolation's damaged volumes are valued; by default kriging when present.</source>
      <translation>按哪种插值的损害体积计价；默认有克里金结果时用克里金。</translation>
    </message>
    <message>
      <source>Crediting convention of the interim loss</source>
      <translation>期间损害的计息约定</translation>
    </message>
    <message>
      <source>When a year's service loss is counted in the habitat equivalency: mid-year (default) or end-of-year.</source>
      <translation>生境等价分析中一年的服务损失计于何时：年中（默认）或年末。</translation>
    </message>
    <message>
      <source>Write the parameter template</source>
      <translation>写出参数模板</translation>
    </message>
    <message>
      <source>Write a [valuation] template with every default to the template file and stop.</source>
      <translation>将含全部默认值的 [valuation] 模板写入模板文件后停止。</translation>
    </message>
    <message>
      <source>Parameter template</source>
      <translation>参数模板</translation>
    </message>
    <message>
      <source>TOML files (*.toml)</source>
      <translation>TOML 文件 (*.toml)</translation>
    </message>
    <message>
      <source>Where the template goes (with 'Write the parameter template').</source>
      <translation>模板写入位置（勾选“写出参数模板”时）。</translation>
    </message>
    <message>
      <source>Valuation workbook</source>
      <translation>价值量化工作簿</translation>
    </message>
    <message>
      <source>Excel workbooks (*.xlsx)</source>
      <translation>Excel 工作簿 (*.xlsx)</translation>
    </message>
    <message>
      <source>Summary, one sheet per method and the parameters.</source>
      <translation>汇总表、每种方法一张表及参数表。</translation>
    </message>
    <message>
      <source>Valuation JSON</source>
      <translation>价值量化 JSON</translation>
    </message>
    <message>
      <source>JSON files (*.json)</source>
      <translation>JSON 文件 (*.json)</translation>
    </message>
    <message>
      <source>The same numbers: exact decimals as text and the displayed values.</source>
      <translation>相同的数字：精确十进制值（文本）与显示值。</translation>
    </message>
    <message>
      <source>Damage summary table (damage_summary.csv)</source>
      <translation>损害汇总表（damage_summary.csv）</translation>
    </message>
    <message>
      <source>Output of Damage extent: damaged soil volume (sum over layers) and area, with the range at P(exceed) &gt;= 50/80/95 %.</source>
      <translation>损害范围的输出：受损土壤体积（各层之和）和面积，以及P(超标) &gt;= 50/80/95 %时的范围。</translation>
    </message>
    <message>
      <source>Vegetation damage summary</source>
      <translation>植被损害汇总表</translation>
    </message>
    <message>
      <source>Output of Vegetation damage (CSV or GeoPackage table): the CASE_AREA row's damaged area.</source>
      <translation>植被损害的输出（CSV或GeoPackage表）：CASE_AREA 行的受损面积。</translation>
    </message>
    <message>
      <source>Resource summary (annex5_resource_summary.csv)</source>
      <translation>资源量汇总表（annex5_resource_summary.csv）</translation>
    </message>
    <message>
      <source>Output of Mined volume: the total REO resource (t) of the affected range.</source>
      <translation>开采方量与资源量估算的输出：影响范围内的REO资源量合计（t）。</translation>
    </message>
    <message>
      <source>Water damage table</source>
      <translation>水环境损害表</translation>
    </message>
    <message>
      <source>CSV with medium (groundwater/surface_water), indicator, area_m2, volume_m3, confidence (50/80/95).</source>
      <translation>CSV，含 medium（groundwater/surface_water）、indicator、area_m2、volume_m3、confidence（50/80/95）列。</translation>
    </message>
    <message>
      <source>Total (yuan)</source>
      <translation>合计（元）</translation>
    </message>
    <message>
      <source>Range low (yuan)</source>
      <translation>范围下限（元）</translation>
    </message>
    <message>
      <source>Range high (yuan)</source>
      <translation>范围上限（元）</translation>
    </message>
    <message>
      <source>Reading the case file and the tables</source>
      <translation>读取案件文件和表格</translation>
    </message>
    <message>
      <source>Valuing</source>
      <translation>计算价值</translation>
    </message>
    <message>
      <source>Writing the workbook and the JSON</source>
      <translation>写出工作簿和JSON</translation>
    </message>
    <message>
      <source>Give the workbook, the JSON or both to write.</source>
      <translation>请给出要写出的工作簿、JSON或两者。</translation>
    </message>
    <message>
      <source>As the case file says</source>
      <translation>按案件文件</translation>
    </message>
    <message>
      <source>Kriging (ok)</source>
      <translation>克里金（ok）</translation>
    </message>
    <message>
      <source>Mid-year</source>
      <translation>年中</translation>
    </message>
    <message>
      <source>End-of-year</source>
      <translation>年末</translation>
    </message>
    <message>
      <source>Give the template file to write.</source>
      <translation>请给出要写入的模板文件。</translation>
    </message>
    <message>
      <source>Total {0} yuan, range {1} - {2} yuan</source>
      <translation>合计 {0} 元，范围 {1} - {2} 元</translation>
    </message>
    <message>
      <source>Template written: {0}</source>
      <translation>已写出模板：{0}</translation>
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
      <source>The input {0} is required but was not given.</source>
      <translation>必需的输入 {0} 未提供。</translation>
    </message>
    <message>
      <source>At least one of {0} is required but none was given.</source>
      <translation>{0} 中至少需要提供一项，但均未提供。</translation>
    </message>
    <message>
      <source>Parameters given: {0}.</source>
      <translation>已提供的参数：{0}。</translation>
    </message>
    <message>
      <source>none</source>
      <translation>无</translation>
    </message>
    <message>
      <source>Parameters expected: {0}.</source>
      <translation>应提供的参数：{0}。</translation>
    </message>
    <message>
      <source>The output {0} was written but QGIS cannot open it.</source>
      <translation>输出 {0} 已写入，但 QGIS 无法打开。</translation>
    </message>
    <message>
      <source>Not parameters of this algorithm (misspelt?): {0}.</source>
      <translation>不是本算法的参数（拼写错误？）：{0}。</translation>
    </message>
    <message>
      <source>Rare-earth damage assessment (稀土生态环境损害鉴定评估) {0}</source>
      <translation>稀土生态环境损害鉴定评估 {0}</translation>
    </message>
    <message>
      <source>Case name</source>
      <translation>案件名称</translation>
    </message>
    <message>
      <source>Province</source>
      <translation>省份</translation>
    </message>
    <message>
      <source>County</source>
      <translation>县（市、区）</translation>
    </message>
    <message>
      <source>Site</source>
      <translation>地点</translation>
    </message>
    <message>
      <source>Entrusting unit</source>
      <translation>委托单位</translation>
    </message>
    <message>
      <source>Appraisal institution</source>
      <translation>鉴定机构</translation>
    </message>
    <message>
      <source>Act period, start (YYYY-MM-DD)</source>
      <translation>违法行为起始日期（YYYY-MM-DD）</translation>
    </message>
    <message>
      <source>Act period, end (YYYY-MM-DD)</source>
      <translation>违法行为终止日期（YYYY-MM-DD）</translation>
    </message>
    <message>
      <source>Coordinate reference system</source>
      <translation>坐标参照系</translation>
    </message>
    <message>
      <source>Site longitude</source>
      <translation>场地经度</translation>
    </message>
    <message>
      <source>Automatic (from the case boundary)</source>
      <translation>自动（按案件范围确定）</translation>
    </message>
    <message>
      <source>Gauss-Kruger zone</source>
      <translation>高斯-克吕格投影带</translation>
    </message>
    <message>
      <source>Case folder and inputs</source>
      <translation>案件文件夹与输入数据</translation>
    </message>
    <message>
      <source>Case folder</source>
      <translation>案件文件夹</translation>
    </message>
    <message>
      <source>Mapped layers (GeoPackage)</source>
      <translation>调查图层（GeoPackage）</translation>
    </message>
    <message>
      <source>Lab result sheet</source>
      <translation>检测结果表</translation>
    </message>
    <message>
      <source>Give the case a name.</source>
      <translation>请填写案件名称。</translation>
    </message>
    <message>
      <source>Case setup</source>
      <translation>案件设置</translation>
    </message>
    <message>
      <source>Edit the case</source>
      <translation>编辑案件</translation>
    </message>
    <message>
      <source>Inputs are files inside the case folder.</source>
      <translation>输入数据须为案件文件夹内的文件。</translation>
    </message>
    <message>
      <source>Choose the case folder.</source>
      <translation>请选择案件文件夹。</translation>
    </message>
    <message>
      <source>EPSG:{0} — CGCS2000 3° zone {1}, central meridian {2}°E</source>
      <translation>EPSG:{0} — 2000国家大地坐标系 3°带 第{1}带，中央经线 {2}°E</translation>
    </message>
    <message>
      <source>Proposed from the site longitude: {0}</source>
      <translation>按场地经度建议：{0}</translation>
    </message>
    <message>
      <source>Write the dates of the act period as YYYY-MM-DD.</source>
      <translation>违法行为期间的日期请按 YYYY-MM-DD 填写。</translation>
    </message>
    <message>
      <source>These inputs are not inside the case folder: {0}</source>
      <translation>以下输入数据不在案件文件夹内：{0}</translation>
    </message>
    <message>
      <source>The case file was not written: {0}</source>
      <translation>案件文件未写入：{0}</translation>
    </message>
    <message>
      <source>Sampling plan</source>
      <translation>采样布点方案</translation>
    </message>
    <message>
      <source>Interpolation</source>
      <translation>空间插值</translation>
    </message>
    <message>
      <source>Soil damage</source>
      <translation>土壤损害范围</translation>
    </message>
    <message>
      <source>Imagery (vegetation)</source>
      <translation>影像（植被破坏）</translation>
    </message>
    <message>
      <source>Mined volume</source>
      <translation>开采方量</translation>
    </message>
    <message>
      <source>Causality</source>
      <translation>因果关系</translation>
    </message>
    <message>
      <source>Maps</source>
      <translation>图件</translation>
    </message>
    <message>
      <source>Report draft (DOCX)</source>
      <translation>报告草稿（DOCX）</translation>
    </message>
    <message>
      <source>not available</source>
      <translation>暂不可用</translation>
    </message>
    <message>
      <source>not run</source>
      <translation>未运行</translation>
    </message>
    <message>
      <source>up to date</source>
      <translation>已是最新</translation>
    </message>
    <message>
      <source>stale</source>
      <translation>已过期</translation>
    </message>
    <message>
      <source>case file read</source>
      <translation>已读取案件文件</translation>
    </message>
    <message>
      <source>Control sampling units</source>
      <translation>对照采样单元</translation>
    </message>
    <message>
      <source>Control sampling points (plan)</source>
      <translation>对照采样点位（方案）</translation>
    </message>
    <message>
      <source>Lab results at the samples</source>
      <translation>样品检测结果</translation>
    </message>
    <message>
      <source>Vegetation damage</source>
      <translation>植被破坏</translation>
    </message>
    <message>
      <source>Cut and fill</source>
      <translation>挖填方</translation>
    </message>
    <message>
      <source>Cut and fill contours</source>
      <translation>挖填方等值线</translation>
    </message>
    <message>
      <source>a step before it is stale: {0}</source>
      <translation>前序步骤已过期：{0}</translation>
    </message>
    <message>
      <source>New…</source>
      <translation>新建…</translation>
    </message>
    <message>
      <source>Set up a new case and write its case file</source>
      <translation>设置新案件并写入案件文件</translation>
    </message>
    <message>
      <source>Open…</source>
      <translation>打开…</translation>
    </message>
    <message>
      <source>Open an existing case file (case.toml)</source>
      <translation>打开已有的案件文件（case.toml）</translation>
    </message>
    <message>
      <source>Edit…</source>
      <translation>编辑…</translation>
    </message>
    <message>
      <source>Edit the case's metadata, CRS zone and inputs</source>
      <translation>编辑案件信息、投影带和输入数据</translation>
    </message>
    <message>
      <source>Refresh</source>
      <translation>刷新</translation>
    </message>
    <message>
      <source>Check the outputs against their inputs again</source>
      <translation>重新核对成果与其输入数据</translation>
    </message>
    <message>
      <source>Open dialog…</source>
      <translation>打开对话框…</translation>
    </message>
    <message>
      <source>Open the step's Processing dialog, filled in for the case</source>
      <translation>打开该步骤的处理工具对话框（已按案件填好）</translation>
    </message>
    <message>
      <source>Run</source>
      <translation>运行</translation>
    </message>
    <message>
      <source>Run the step with the case's inputs and parameters</source>
      <translation>按案件的输入数据和参数运行该步骤</translation>
    </message>
    <message>
      <source>Cancel</source>
      <translation>取消</translation>
    </message>
    <message>
      <source>Move point</source>
      <translation>移动点位</translation>
    </message>
    <message>
      <source>Drag a sampling point on the map to a new place within its unit</source>
      <translation>在地图上将采样点拖到其采样单元内的新位置</translation>
    </message>
    <message>
      <source>Add 2nd-round point</source>
      <translation>添加第二轮点位</translation>
    </message>
    <message>
      <source>Click on the map to add a second-round point in a sampling unit</source>
      <translation>在地图上点击，在采样单元内添加第二轮点位</translation>
    </message>
    <message>
      <source>Open a case file</source>
      <translation>打开案件文件</translation>
    </message>
    <message>
      <source>Case files (*.toml)</source>
      <translation>案件文件 (*.toml)</translation>
    </message>
    <message>
      <source>input changed since the run: {0}</source>
      <translation>运行后输入数据已改变：{0}</translation>
    </message>
    <message>
      <source>input missing: {0}</source>
      <translation>输入数据缺失：{0}</translation>
    </message>
    <message>
      <source>output without its provenance record: {0}</source>
      <translation>成果缺少溯源记录：{0}</translation>
    </message>
    <message>
      <source>Step</source>
      <translation>步骤</translation>
    </message>
    <message>
      <source>Status</source>
      <translation>状态</translation>
    </message>
    <message>
      <source>No case open: set up a new case or open a case file.</source>
      <translation>尚未打开案件：请新建案件或打开案件文件。</translation>
    </message>
    <message>
      <source>Done.</source>
      <translation>完成。</translation>
    </message>
    <message>
      <source>Cannot open the case file</source>
      <translation>无法打开案件文件</translation>
    </message>
    <message>
      <source>The step failed; see the Processing log.</source>
      <translation>该步骤运行失败，详见处理工具日志。</translation>
    </message>
    <message>
      <source>Case: {0}</source>
      <translation>案件：{0}</translation>
    </message>
    <message>
      <source>Cannot read the provenance records</source>
      <translation>无法读取溯源记录</translation>
    </message>
    <message>
      <source>Case: {0}
Folder: {1}</source>
      <translation>案件：{0}
文件夹：{1}</translation>
    </message>
    <message>
      <source>Rule</source>
      <translation>规则</translation>
    </message>
    <message>
      <source>Failed points</source>
      <translation>不符合的点位</translation>
    </message>
    <message>
      <source>Rule text</source>
      <translation>规则内容</translation>
    </message>
    <message>
      <source>Save or discard the edits of the sampling points layer first.</source>
      <translation>请先保存或放弃采样点图层的编辑。</translation>
    </message>
    <message>
      <source>The sampling points layer cannot be edited.</source>
      <translation>采样点图层无法编辑。</translation>
    </message>
    <message>
      <source>{0} moved within its unit {1}.</source>
      <translation>{0} 已在其采样单元 {1} 内移动。</translation>
    </message>
    <message>
      <source>A second-round point must stand in a sampling unit: no point added.</source>
      <translation>第二轮点位须位于采样单元内：未添加点位。</translation>
    </message>
    <message>
      <source>{0} added for the second round in unit {1}.</source>
      <translation>已在采样单元 {1} 内添加第二轮点位 {0}。</translation>
    </message>
    <message>
      <source>Sampling rule broken</source>
      <translation>违反布点规则</translation>
    </message>
    <message>
      <source>The sampling rules hold.</source>
      <translation>布点规则均满足。</translation>
    </message>
    <message>
      <source>The edit was not saved: {0}</source>
      <translation>编辑未保存：{0}</translation>
    </message>
    <message>
      <source>{0} must stay in its sampling unit {1}: the point was not moved.</source>
      <translation>{0} 须留在其采样单元 {1} 内：点位未移动。</translation>
    </message>
    <message>
      <source>{0} breaks rule {1} ({2}): {3}</source>
      <translation>{0} 违反规则 {1}（{2}）：{3}</translation>
    </message>
  </context>
</TS>
