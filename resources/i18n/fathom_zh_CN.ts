<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="zh_CN" sourcelanguage="en">
<context>
    <name>AnswerWidget</name>
    <message>
        <source>Reasoning</source>
        <translation>推理过程</translation>
    </message>
    <message>
        <source>Show or hide the reasoning</source>
        <translation>显示或隐藏推理过程</translation>
    </message>
    <message>
        <source>Answer</source>
        <translation>回答</translation>
    </message>
    <message>
        <source>_Searching your documents…_</source>
        <translation>_正在搜索你的文档…_</translation>
    </message>
    <message>
        <source>Answer status</source>
        <translation>回答状态</translation>
    </message>
    <message>
        <source>Copy</source>
        <translation>复制</translation>
    </message>
    <message>
        <source>Copy answer</source>
        <translation>复制回答</translation>
    </message>
    <message>
        <source>Copy the answer as Markdown</source>
        <translation>以 Markdown 格式复制回答</translation>
    </message>
    <message>
        <source>Regenerate</source>
        <translation>重新生成</translation>
    </message>
    <message>
        <source>Regenerate answer</source>
        <translation>重新生成回答</translation>
    </message>
    <message>
        <source>_Thinking…_</source>
        <translation>_正在思考…_</translation>
    </message>
    <message>
        <source>_No answer._</source>
        <translation>_没有回答。_</translation>
    </message>
    <message>
        <source>Stopped.</source>
        <translation>已停止。</translation>
    </message>
    <message>
        <source>This answer was interrupted (Fathom closed while it was written).</source>
        <translation>此回答被中断（生成期间 Fathom 已关闭）。</translation>
    </message>
    <message>
        <source>This answer failed.</source>
        <translation>此回答生成失败。</translation>
    </message>
    <message>
        <source>⚠ Citations that match no source: {list}</source>
        <translation>⚠ 没有对应来源的引用：{list}</translation>
    </message>
    <message>
        <source>Sources</source>
        <translation>来源</translation>
    </message>
    <message>
        <source>Copied</source>
        <translation>已复制</translation>
    </message>
</context>
<context>
    <name>App</name>
    <message>
        <source>Fathom cannot start</source>
        <translation>Fathom 无法启动</translation>
    </message>
</context>
<context>
    <name>Backend</name>
    <message>
        <source>{count} chunks</source>
        <translation>{count} 个文本块</translation>
    </message>
    <message>
        <source>The store could not be opened: {reason}</source>
        <translation>无法打开存储：{reason}</translation>
    </message>
    <message>
        <source>See the status bar; restart Fathom after fixing it.</source>
        <translation>请查看状态栏；解决问题后重新启动 Fathom。</translation>
    </message>
    <message>
        <source>No chat model is ready.</source>
        <translation>没有可用的对话模型。</translation>
    </message>
    <message>
        <source>Pick or download one in Models…, then ask again.</source>
        <translation>请在“模型…”中选择或下载一个，然后重新提问。</translation>
    </message>
    <message>
        <source>The library is not open yet.</source>
        <translation>资料库尚未打开。</translation>
    </message>
</context>
<context>
    <name>ChatModelPage</name>
    <message>
        <source>Chat model</source>
        <translation>对话模型</translation>
    </message>
    <message>
        <source>The model that reads the passages found and writes the answer.</source>
        <translation>阅读检索到的段落并撰写回答的模型。</translation>
    </message>
    <message>
        <source>Download the recommended model, {file} ({size} GB)</source>
        <translation>下载推荐的模型 {file}（{size} GB）</translation>
    </message>
    <message>
        <source>Download the recommended model</source>
        <translation>下载推荐的模型</translation>
    </message>
    <message>
        <source>Use a GGUF file I already have</source>
        <translation>使用我已有的 GGUF 文件</translation>
    </message>
    <message>
        <source>GGUF file</source>
        <translation>GGUF 文件</translation>
    </message>
    <message>
        <source>/path/to/model.gguf</source>
        <translation>/path/to/model.gguf</translation>
    </message>
    <message>
        <source>Browse…</source>
        <translation>浏览…</translation>
    </message>
    <message>
        <source>Browse for a GGUF file</source>
        <translation>浏览以选择 GGUF 文件</translation>
    </message>
    <message>
        <source>GGUF file check</source>
        <translation>GGUF 文件检查</translation>
    </message>
    <message>
        <source>Choose a GGUF model</source>
        <translation>选择 GGUF 模型</translation>
    </message>
    <message>
        <source>GGUF models (*.gguf);;All files (*)</source>
        <translation>GGUF 模型 (*.gguf);;所有文件 (*)</translation>
    </message>
    <message>
        <source>Checking…</source>
        <translation>正在检查…</translation>
    </message>
    <message>
        <source>✓ A GGUF {arch} chat model, {size}.</source>
        <translation>✓ GGUF {arch} 对话模型，{size}。</translation>
    </message>
</context>
<context>
    <name>ChatView</name>
    <message>
        <source>Conversation</source>
        <translation>对话</translation>
    </message>
    <message>
        <source>Ask a question about your documents below.</source>
        <translation>在下方就你的文档提问。</translation>
    </message>
    <message>
        <source>Drop folders or files here to add them to your library,&lt;br&gt;or use &lt;b&gt;Add folder…&lt;/b&gt; in the sidebar. Then ask a question below.</source>
        <translation>将文件夹或文件拖放到这里即可加入资料库，&lt;br&gt;也可以使用侧栏中的&lt;b&gt;添加文件夹…&lt;/b&gt;。然后在下方提问。</translation>
    </message>
    <message>
        <source>Chat with your documents</source>
        <translation>与你的文档对话</translation>
    </message>
    <message>
        <source>Answers cite their sources; click one to read the passage.</source>
        <translation>回答会注明来源；点击来源即可阅读原文段落。</translation>
    </message>
</context>
<context>
    <name>Composer</name>
    <message>
        <source>Question</source>
        <translation>问题</translation>
    </message>
    <message>
        <source>Ask about your documents…  (Enter sends, Shift+Enter: new line)</source>
        <translation>就你的文档提问…（Enter 发送，Shift+Enter 换行）</translation>
    </message>
</context>
<context>
    <name>ConversationList</name>
    <message>
        <source>Conversations</source>
        <translation>对话</translation>
    </message>
    <message>
        <source>Chats</source>
        <translation>对话</translation>
    </message>
    <message>
        <source>New chat</source>
        <translation>新建对话</translation>
    </message>
    <message>
        <source>Start a new conversation (Ctrl+N)</source>
        <translation>开始新的对话（Ctrl+N）</translation>
    </message>
    <message>
        <source>Search conversations</source>
        <translation>搜索对话</translation>
    </message>
    <message>
        <source>Conversation list</source>
        <translation>对话列表</translation>
    </message>
    <message>
        <source>Rename</source>
        <translation>重命名</translation>
    </message>
    <message>
        <source>Delete</source>
        <translation>删除</translation>
    </message>
</context>
<context>
    <name>DownloadPanel</name>
    <message>
        <source>Model download</source>
        <translation>模型下载</translation>
    </message>
    <message>
        <source>Download</source>
        <translation>下载</translation>
    </message>
    <message>
        <source>Download {file}</source>
        <translation>下载 {file}</translation>
    </message>
    <message>
        <source>Cancel</source>
        <translation>取消</translation>
    </message>
    <message>
        <source>Cancel the download</source>
        <translation>取消下载</translation>
    </message>
    <message>
        <source>Download progress</source>
        <translation>下载进度</translation>
    </message>
    <message>
        <source>Download status</source>
        <translation>下载状态</translation>
    </message>
    <message>
        <source>{file} from {repo}</source>
        <translation>{file}，来自 {repo}</translation>
    </message>
    <message>
        <source>Installed</source>
        <translation>已安装</translation>
    </message>
    <message>
        <source>Resume</source>
        <translation>继续</translation>
    </message>
    <message>
        <source>Resume downloading {file}</source>
        <translation>继续下载 {file}</translation>
    </message>
    <message>
        <source>A download stopped after {size}; Resume continues from there.</source>
        <translation>下载在 {size} 处中断；点击“继续”将从该处接着下载。</translation>
    </message>
    <message>
        <source>Not downloaded yet. A download can be cancelled and resumed later; the file is checked against the hub&apos;s SHA-256 before use.</source>
        <translation>尚未下载。下载可以取消并在稍后继续；使用前会按 Hub 提供的 SHA-256 校验文件。</translation>
    </message>
    <message>
        <source>Connecting…</source>
        <translation>正在连接…</translation>
    </message>
    <message>
        <source>Cancelling…</source>
        <translation>正在取消…</translation>
    </message>
    <message>
        <source>Checking the {total} already downloaded… {done}</source>
        <translation>正在校验已下载的 {total}… {done}</translation>
    </message>
    <message>
        <source>{done} of {total}</source>
        <translation>{done} / {total}</translation>
    </message>
    <message>
        <source>about {time} left</source>
        <translation>约剩 {time}</translation>
    </message>
    <message>
        <source>Downloaded and verified (SHA-256)</source>
        <translation>已下载并校验（SHA-256）</translation>
    </message>
    <message>
        <source>Downloaded</source>
        <translation>已下载</translation>
    </message>
    <message>
        <source>, resumed after {size}</source>
        <translation>，从 {size} 处继续</translation>
    </message>
    <message>
        <source>Cancelled. The bytes so far are kept: Resume continues.</source>
        <translation>已取消。已下载的部分会保留：点击“继续”可接着下载。</translation>
    </message>
    <message>
        <source>Cancelled</source>
        <translation>已取消</translation>
    </message>
</context>
<context>
    <name>EffortBox</name>
    <message>
        <source>Reasoning effort</source>
        <translation>推理强度</translation>
    </message>
    <message>
        <source>How long the model may think before it answers</source>
        <translation>模型在回答前可以思考多久</translation>
    </message>
    <message>
        <source>Reasoning: low</source>
        <translation>推理：低</translation>
    </message>
    <message>
        <source>Reasoning: medium</source>
        <translation>推理：中</translation>
    </message>
    <message>
        <source>Reasoning: high</source>
        <translation>推理：高</translation>
    </message>
</context>
<context>
    <name>EmbeddingPage</name>
    <message>
        <source>Embedding model</source>
        <translation>嵌入模型</translation>
    </message>
    <message>
        <source>The small model that turns passages into vectors for search.</source>
        <translation>将段落转换为向量以供搜索的小模型。</translation>
    </message>
    <message>
        <source>A hub id is fetched on the first ingestion (about 90 MB) and kept; a local folder (tokenizer.json, configs, onnx/model.onnx) is used as it is.</source>
        <translation>填写 Hub ID 时，模型会在首次导入文档时下载（约 90 MB）并保存；填写本地文件夹（含 tokenizer.json、配置文件、onnx/model.onnx）时则直接使用。</translation>
    </message>
    <message>
        <source>Browse…</source>
        <translation>浏览…</translation>
    </message>
    <message>
        <source>Browse for an embedding model folder</source>
        <translation>浏览以选择嵌入模型文件夹</translation>
    </message>
    <message>
        <source>Embedding model check</source>
        <translation>嵌入模型检查</translation>
    </message>
    <message>
        <source>Choose an embedding model folder</source>
        <translation>选择嵌入模型文件夹</translation>
    </message>
    <message>
        <source>Give a hub id or a local model folder.</source>
        <translation>请填写 Hub ID 或本地模型文件夹。</translation>
    </message>
    <message>
        <source>&apos;{spec}&apos; is neither a folder nor a hub id such as owner/model.</source>
        <translation>“{spec}”既不是文件夹，也不是 owner/model 形式的 Hub ID。</translation>
    </message>
</context>
<context>
    <name>ErrorDialog</name>
    <message>
        <source>Error</source>
        <translation>错误</translation>
    </message>
    <message>
        <source>Error message</source>
        <translation>错误信息</translation>
    </message>
    <message>
        <source>Hint</source>
        <translation>提示</translation>
    </message>
    <message>
        <source>Error details</source>
        <translation>错误详情</translation>
    </message>
    <message>
        <source>Copy details</source>
        <translation>复制详情</translation>
    </message>
    <message>
        <source>Copy error details</source>
        <translation>复制错误详情</translation>
    </message>
    <message>
        <source>Show details</source>
        <translation>显示详情</translation>
    </message>
    <message>
        <source>Show error details</source>
        <translation>显示错误详情</translation>
    </message>
    <message>
        <source>Hide details</source>
        <translation>隐藏详情</translation>
    </message>
    <message>
        <source>Copied</source>
        <translation>已复制</translation>
    </message>
</context>
<context>
    <name>ErrorInfo</name>
    <message>
        <source>Fathom ran out of memory.</source>
        <translation>Fathom 内存不足。</translation>
    </message>
    <message>
        <source>Close other programs, or pick a smaller model in Models….</source>
        <translation>请关闭其他程序，或在“模型…”中选择更小的模型。</translation>
    </message>
    <message>
        <source>A file could not be used: {reason}</source>
        <translation>无法使用文件：{reason}</translation>
    </message>
    <message>
        <source>Check that the file exists and that you may read it.</source>
        <translation>请检查文件是否存在，以及你是否有读取权限。</translation>
    </message>
    <message>
        <source>Something went wrong: {error}</source>
        <translation>出现错误：{error}</translation>
    </message>
    <message>
        <source>This is a bug in Fathom. Please report it with the details below.</source>
        <translation>这是 Fathom 的程序缺陷。请附上下面的详情报告此问题。</translation>
    </message>
</context>
<context>
    <name>IndexingProgress</name>
    <message>
        <source>{time} left</source>
        <translation>剩余 {time}</translation>
    </message>
    <message>
        <source>Indexing progress</source>
        <translation>索引进度</translation>
    </message>
    <message>
        <source>Preparing…</source>
        <translation>正在准备…</translation>
    </message>
    <message>
        <source>File being indexed</source>
        <translation>正在索引的文件</translation>
    </message>
    <message>
        <source>Indexing progress bar</source>
        <translation>索引进度条</translation>
    </message>
    <message>
        <source>Cancel</source>
        <translation>取消</translation>
    </message>
    <message>
        <source>Cancel indexing</source>
        <translation>取消索引</translation>
    </message>
    <message>
        <source>Indexing counts</source>
        <translation>索引统计</translation>
    </message>
    <message>
        <source>Looking for files…</source>
        <translation>正在查找文件…</translation>
    </message>
    <message>
        <source>{file}: page {page} / {pages}</source>
        <translation>{file}：第 {page} / {pages} 页</translation>
    </message>
    <message>
        <source>(OCR)</source>
        <translation>（OCR）</translation>
    </message>
    <message>
        <source>{file}: {done} / {total} chunks</source>
        <translation>{file}：{done} / {total} 个文本块</translation>
    </message>
    <message>
        <source>{done} / {total} files</source>
        <translation>{done} / {total} 个文件</translation>
    </message>
    <message>
        <source>{count} chunks</source>
        <translation>{count} 个文本块</translation>
    </message>
    <message>
        <source>{count} failed</source>
        <translation>{count} 个失败</translation>
    </message>
</context>
<context>
    <name>LibraryPanel</name>
    <message>
        <source>never</source>
        <translation>从未</translation>
    </message>
    <message>
        <source>just now</source>
        <translation>刚刚</translation>
    </message>
    <message>
        <source>{minutes} min ago</source>
        <translation>{minutes} 分钟前</translation>
    </message>
    <message>
        <source>{hours} h ago</source>
        <translation>{hours} 小时前</translation>
    </message>
    <message>
        <source>Knowledge folders</source>
        <translation>知识文件夹</translation>
    </message>
    <message>
        <source>Knowledge</source>
        <translation>知识库</translation>
    </message>
    <message>
        <source>Knowledge folders list</source>
        <translation>知识文件夹列表</translation>
    </message>
    <message>
        <source>Folder</source>
        <translation>文件夹</translation>
    </message>
    <message>
        <source>Files</source>
        <translation>文件</translation>
    </message>
    <message>
        <source>Chunks</source>
        <translation>文本块</translation>
    </message>
    <message>
        <source>Knowledge folder columns</source>
        <translation>知识文件夹列</translation>
    </message>
    <message>
        <source>Add folder…</source>
        <translation>添加文件夹…</translation>
    </message>
    <message>
        <source>Add a knowledge folder</source>
        <translation>添加知识文件夹</translation>
    </message>
    <message>
        <source>Re-sync</source>
        <translation>重新同步</translation>
    </message>
    <message>
        <source>Re-sync the knowledge folders</source>
        <translation>重新同步知识文件夹</translation>
    </message>
    <message>
        <source>Index new and changed files again</source>
        <translation>重新索引新增和修改过的文件</translation>
    </message>
    <message>
        <source>Remove</source>
        <translation>移除</translation>
    </message>
    <message>
        <source>Remove the selected knowledge folder</source>
        <translation>移除选中的知识文件夹</translation>
    </message>
    <message>
        <source>Last sync: {when}</source>
        <translation>上次同步：{when}</translation>
    </message>
    <message>
        <source>Synced {when}</source>
        <translation>上次同步：{when}</translation>
    </message>
    <message>
        <source>⚠ {count} failed</source>
        <translation>⚠ {count} 个失败</translation>
    </message>
</context>
<context>
    <name>MachinePage</name>
    <message>
        <source>{gpu} with {memory} GiB</source>
        <translation>{gpu}，{memory} GiB 显存</translation>
    </message>
    <message>
        <source>supported by this build, but none found</source>
        <translation>此版本支持，但未找到</translation>
    </message>
    <message>
        <source>none that this llama.cpp build can use</source>
        <translation>没有此 llama.cpp 版本可用的 GPU</translation>
    </message>
    <message>
        <source>Memory</source>
        <translation>内存</translation>
    </message>
    <message>
        <source>CPU threads</source>
        <translation>CPU 线程</translation>
    </message>
    <message>
        <source>Free disk</source>
        <translation>可用磁盘空间</translation>
    </message>
    <message>
        <source>Welcome to Fathom</source>
        <translation>欢迎使用 Fathom</translation>
    </message>
    <message>
        <source>Fathom answers from your documents with a model that runs here.</source>
        <translation>Fathom 使用在本机运行的模型，根据你的文档作答。</translation>
    </message>
    <message>
        <source>Looking at this machine…</source>
        <translation>正在检测本机…</translation>
    </message>
    <message>
        <source>This machine</source>
        <translation>本机</translation>
    </message>
    <message>
        <source>Recommendation</source>
        <translation>推荐</translation>
    </message>
    <message>
        <source>Warnings</source>
        <translation>警告</translation>
    </message>
    <message>
        <source>&lt;b&gt;Recommended:&lt;/b&gt; {plan}.</source>
        <translation>&lt;b&gt;推荐：&lt;/b&gt;{plan}。</translation>
    </message>
    <message>
        <source>On this machine: {plan}.</source>
        <translation>在本机上：{plan}。</translation>
    </message>
    <message>
        <source>This machine could not be examined: {reason}</source>
        <translation>无法检测本机：{reason}</translation>
    </message>
</context>
<context>
    <name>MainWindow</name>
    <message>
        <source>Fathom main window</source>
        <translation>Fathom 主窗口</translation>
    </message>
    <message>
        <source>Export…</source>
        <translation>导出…</translation>
    </message>
    <message>
        <source>Export the conversation as Markdown</source>
        <translation>将对话导出为 Markdown</translation>
    </message>
    <message>
        <source>Send</source>
        <translation>发送</translation>
    </message>
    <message>
        <source>Send question</source>
        <translation>发送问题</translation>
    </message>
    <message>
        <source>Stop</source>
        <translation>停止</translation>
    </message>
    <message>
        <source>Stop the answer</source>
        <translation>停止回答</translation>
    </message>
    <message>
        <source>Stop the answer (Esc)</source>
        <translation>停止回答（Esc）</translation>
    </message>
    <message>
        <source>&amp;File</source>
        <translation>文件(&amp;F)</translation>
    </message>
    <message>
        <source>&amp;New chat</source>
        <translation>新建对话(&amp;N)</translation>
    </message>
    <message>
        <source>&amp;Add folder…</source>
        <translation>添加文件夹(&amp;A)…</translation>
    </message>
    <message>
        <source>Add &amp;files…</source>
        <translation>添加文件(&amp;F)…</translation>
    </message>
    <message>
        <source>&amp;Export conversation…</source>
        <translation>导出对话(&amp;E)…</translation>
    </message>
    <message>
        <source>&amp;Quit</source>
        <translation>退出(&amp;Q)</translation>
    </message>
    <message>
        <source>&amp;Chat</source>
        <translation>对话(&amp;C)</translation>
    </message>
    <message>
        <source>&amp;Stop answer</source>
        <translation>停止回答(&amp;S)</translation>
    </message>
    <message>
        <source>&amp;Re-sync knowledge folders</source>
        <translation>重新同步知识文件夹(&amp;R)</translation>
    </message>
    <message>
        <source>&amp;Tools</source>
        <translation>工具(&amp;T)</translation>
    </message>
    <message>
        <source>&amp;Settings…</source>
        <translation>设置(&amp;S)…</translation>
    </message>
    <message>
        <source>&amp;Models…</source>
        <translation>模型(&amp;M)…</translation>
    </message>
    <message>
        <source>&amp;Help</source>
        <translation>帮助(&amp;H)</translation>
    </message>
    <message>
        <source>&amp;About Fathom</source>
        <translation>关于 Fathom(&amp;A)</translation>
    </message>
    <message>
        <source>Settings</source>
        <translation>设置</translation>
    </message>
    <message>
        <source>Fathom is already running</source>
        <translation>Fathom 已在运行</translation>
    </message>
    <message>
        <source>Rename chat</source>
        <translation>重命名对话</translation>
    </message>
    <message>
        <source>Name:</source>
        <translation>名称：</translation>
    </message>
    <message>
        <source>Delete chat</source>
        <translation>删除对话</translation>
    </message>
    <message>
        <source>Delete “{title}”?</source>
        <translation>删除“{title}”？</translation>
    </message>
    <message>
        <source>Export</source>
        <translation>导出</translation>
    </message>
    <message>
        <source>Open or start a conversation first.</source>
        <translation>请先打开或开始一个对话。</translation>
    </message>
    <message>
        <source>Export conversation</source>
        <translation>导出对话</translation>
    </message>
    <message>
        <source>Markdown (*.md)</source>
        <translation>Markdown (*.md)</translation>
    </message>
    <message>
        <source>Include the model&apos;s reasoning?</source>
        <translation>是否包含模型的推理过程？</translation>
    </message>
    <message>
        <source>Exported to {path}</source>
        <translation>已导出到 {path}</translation>
    </message>
    <message>
        <source>This chat searches {where}</source>
        <translation>此对话搜索：{where}</translation>
    </message>
    <message>
        <source>This chat searches the whole library</source>
        <translation>此对话搜索整个资料库</translation>
    </message>
    <message>
        <source>{tokens} tokens · {rate} tok/s</source>
        <translation>{tokens} 个 token · {rate} token/秒</translation>
    </message>
    <message>
        <source>Add a folder to your library</source>
        <translation>向资料库添加文件夹</translation>
    </message>
    <message>
        <source>Add files to your library</source>
        <translation>向资料库添加文件</translation>
    </message>
    <message>
        <source>Indexing queued…</source>
        <translation>索引已排队…</translation>
    </message>
    <message>
        <source>Indexing…</source>
        <translation>正在索引…</translation>
    </message>
    <message>
        <source>Files changed: re-syncing…</source>
        <translation>文件有变动：正在重新同步…</translation>
    </message>
    <message>
        <source>Removed {name} ({count} files) from the library</source>
        <translation>已从资料库移除 {name}（{count} 个文件）</translation>
    </message>
    <message>
        <source>Indexing {file}: {done}/{total} chunks</source>
        <translation>正在索引 {file}：{done}/{total} 个文本块</translation>
    </message>
    <message>
        <source>Indexing {done}/{total}: {file}</source>
        <translation>正在索引 {done}/{total}：{file}</translation>
    </message>
    <message>
        <source>, {count} failed</source>
        <translation>，{count} 个失败</translation>
    </message>
    <message>
        <source>Indexed: {added} added, {updated} updated, {removed} removed</source>
        <translation>索引完成：新增 {added} 个，更新 {updated} 个，移除 {removed} 个</translation>
    </message>
    <message>
        <source>{count} chunks</source>
        <translation>{count} 个文本块</translation>
    </message>
    <message>
        <source>The library needs a rebuild first</source>
        <translation>资料库需要先重建</translation>
    </message>
    <message>
        <source>Indexing failed</source>
        <translation>索引失败</translation>
    </message>
    <message>
        <source>Indexing cancelled</source>
        <translation>索引已取消</translation>
    </message>
    <message>
        <source>Could not tell whether the library needs a rebuild: {message}</source>
        <translation>无法判断资料库是否需要重建：{message}</translation>
    </message>
    <message>
        <source>Rebuild the library?</source>
        <translation>重建资料库？</translation>
    </message>
    <message>
        <source>Your library was built with other settings than Fathom now uses.</source>
        <translation>你的资料库是用与 Fathom 当前设置不同的设置构建的。</translation>
    </message>
    <message>
        <source>Rebuilding re-reads and re-embeds every file in the background. Questions keep using the current library until the new one is complete. New files are indexed after the rebuild.</source>
        <translation>重建会在后台重新读取并重新嵌入每个文件。新资料库完成之前，提问仍使用当前资料库。新文件会在重建之后索引。</translation>
    </message>
    <message>
        <source>Rebuild the library</source>
        <translation>重建资料库</translation>
    </message>
    <message>
        <source>Rebuild now</source>
        <translation>立即重建</translation>
    </message>
    <message>
        <source>Later</source>
        <translation>稍后</translation>
    </message>
    <message>
        <source>The library keeps its old settings until rebuilt</source>
        <translation>资料库在重建前保持原有设置</translation>
    </message>
    <message>
        <source>Rebuild queued…</source>
        <translation>重建已排队…</translation>
    </message>
    <message>
        <source>Rebuilding the library…</source>
        <translation>正在重建资料库…</translation>
    </message>
    <message>
        <source>, {count} no longer on disk</source>
        <translation>，{count} 个已不在磁盘上</translation>
    </message>
    <message>
        <source>Library rebuilt: {files} files, {chunks} chunks</source>
        <translation>资料库已重建：{files} 个文件，{chunks} 个文本块</translation>
    </message>
    <message>
        <source>Rebuild paused: it goes on where it stopped when restarted</source>
        <translation>重建已暂停：重新启动后将从中断处继续</translation>
    </message>
    <message>
        <source>Fathom is still starting; try again in a moment.</source>
        <translation>Fathom 仍在启动，请稍后再试。</translation>
    </message>
    <message>
        <source>Store settings apply when Fathom starts again.</source>
        <translation>存储设置将在 Fathom 重新启动后生效。</translation>
    </message>
    <message>
        <source>About Fathom</source>
        <translation>关于 Fathom</translation>
    </message>
    <message>
        <source>Chat with your own documents, locally.</source>
        <translation>在本地与你自己的文档对话。</translation>
    </message>
    <message>
        <source>Library: {folder}</source>
        <translation>资料库：{folder}</translation>
    </message>
</context>
<context>
    <name>ModelsDialog</name>
    <message>
        <source>Name</source>
        <translation>名称</translation>
    </message>
    <message>
        <source>Kind</source>
        <translation>类型</translation>
    </message>
    <message>
        <source>Size</source>
        <translation>大小</translation>
    </message>
    <message>
        <source>Active</source>
        <translation>使用中</translation>
    </message>
    <message>
        <source>Path</source>
        <translation>路径</translation>
    </message>
    <message>
        <source>{s} s</source>
        <translation>{s} 秒</translation>
    </message>
    <message>
        <source>{m} min {s} s</source>
        <translation>{m} 分 {s} 秒</translation>
    </message>
    <message>
        <source>{h} h {m} min</source>
        <translation>{h} 小时 {m} 分</translation>
    </message>
    <message>
        <source>Models</source>
        <translation>模型</translation>
    </message>
    <message>
        <source>Fathom models</source>
        <translation>Fathom 模型</translation>
    </message>
    <message>
        <source>Installed models</source>
        <translation>已安装的模型</translation>
    </message>
    <message>
        <source>Add GGUF…</source>
        <translation>添加 GGUF…</translation>
    </message>
    <message>
        <source>Add a GGUF chat model file</source>
        <translation>添加 GGUF 对话模型文件</translation>
    </message>
    <message>
        <source>Add embedding folder…</source>
        <translation>添加嵌入模型文件夹…</translation>
    </message>
    <message>
        <source>Add an ONNX embedding model folder</source>
        <translation>添加 ONNX 嵌入模型文件夹</translation>
    </message>
    <message>
        <source>Use</source>
        <translation>使用</translation>
    </message>
    <message>
        <source>Use the selected model</source>
        <translation>使用选中的模型</translation>
    </message>
    <message>
        <source>Remove</source>
        <translation>移除</translation>
    </message>
    <message>
        <source>Remove the selected model</source>
        <translation>移除选中的模型</translation>
    </message>
    <message>
        <source>Models message</source>
        <translation>模型消息</translation>
    </message>
    <message>
        <source>Recommended model</source>
        <translation>推荐模型</translation>
    </message>
    <message>
        <source>Close models</source>
        <translation>关闭模型窗口</translation>
    </message>
    <message>
        <source>Chat</source>
        <translation>对话</translation>
    </message>
    <message>
        <source>Embedding</source>
        <translation>嵌入</translation>
    </message>
    <message>
        <source>✓ active</source>
        <translation>✓ 使用中</translation>
    </message>
    <message>
        <source>Add a GGUF chat model</source>
        <translation>添加 GGUF 对话模型</translation>
    </message>
    <message>
        <source>GGUF models (*.gguf);;All files (*)</source>
        <translation>GGUF 模型 (*.gguf);;所有文件 (*)</translation>
    </message>
    <message>
        <source>Added {name} ({size}). Use makes it active.</source>
        <translation>已添加 {name}（{size}）。点击“使用”即可启用。</translation>
    </message>
    <message>
        <source>Checking the file…</source>
        <translation>正在检查文件…</translation>
    </message>
    <message>
        <source>{name} is the chat model now; it loads in the background.</source>
        <translation>{name} 现在是对话模型，正在后台加载。</translation>
    </message>
    <message>
        <source>{name} embeds from now on. Documents embedded with another model must be ingested again into a new library.</source>
        <translation>从现在起由 {name} 进行嵌入。用其他模型嵌入的文档需要重新导入到新的资料库。</translation>
    </message>
    <message>
        <source>Remove {name}? This deletes the file from disk.</source>
        <translation>移除 {name}？这会从磁盘上删除该文件。</translation>
    </message>
    <message>
        <source>Remove {name}? This forgets it (your file stays).</source>
        <translation>移除 {name}？Fathom 将不再记录它（你的文件会保留）。</translation>
    </message>
    <message>
        <source>Remove model</source>
        <translation>移除模型</translation>
    </message>
    <message>
        <source>Removed {name}.</source>
        <translation>已移除 {name}。</translation>
    </message>
</context>
<context>
    <name>PageCanvas</name>
    <message>
        <source>PDF page</source>
        <translation>PDF 页面</translation>
    </message>
</context>
<context>
    <name>PdfPane</name>
    <message>
        <source>PDF viewer</source>
        <translation>PDF 查看器</translation>
    </message>
    <message>
        <source>Previous page</source>
        <translation>上一页</translation>
    </message>
    <message>
        <source>Page</source>
        <translation>页码</translation>
    </message>
    <message>
        <source>Next page</source>
        <translation>下一页</translation>
    </message>
    <message>
        <source>Zoom out</source>
        <translation>缩小</translation>
    </message>
    <message>
        <source>Fit</source>
        <translation>适应</translation>
    </message>
    <message>
        <source>Zoom in</source>
        <translation>放大</translation>
    </message>
    <message>
        <source>Fit width</source>
        <translation>适应宽度</translation>
    </message>
    <message>
        <source>Fit the page to the width</source>
        <translation>使页面适应宽度</translation>
    </message>
    <message>
        <source>PDF page area</source>
        <translation>PDF 页面区域</translation>
    </message>
</context>
<context>
    <name>ScopeBar</name>
    <message>
        <source>What this chat searches</source>
        <translation>此对话的搜索范围</translation>
    </message>
    <message>
        <source>Searching:</source>
        <translation>搜索范围：</translation>
    </message>
    <message>
        <source>Search in ▾</source>
        <translation>选择范围 ▾</translation>
    </message>
    <message>
        <source>Change what this chat searches</source>
        <translation>更改此对话的搜索范围</translation>
    </message>
    <message>
        <source>Limit this chat to some knowledge folders or files</source>
        <translation>将此对话限定在部分知识文件夹或文件中</translation>
    </message>
    <message>
        <source>Whole library</source>
        <translation>整个资料库</translation>
    </message>
    <message>
        <source>This chat searches the whole library</source>
        <translation>此对话搜索整个资料库</translation>
    </message>
    <message>
        <source>Every knowledge folder; use “Search in” to limit this chat</source>
        <translation>所有知识文件夹；使用“选择范围”可限定此对话</translation>
    </message>
    <message>
        <source>Searching {name}: remove it</source>
        <translation>正在搜索 {name}：点击移除</translation>
    </message>
    <message>
        <source>Click to stop searching it in this chat</source>
        <translation>点击后此对话不再搜索它</translation>
    </message>
    <message>
        <source>(no knowledge folders yet)</source>
        <translation>（还没有知识文件夹）</translation>
    </message>
    <message>
        <source>Other folder…</source>
        <translation>其他文件夹…</translation>
    </message>
    <message>
        <source>Search only in this folder</source>
        <translation>只在此文件夹中搜索</translation>
    </message>
</context>
<context>
    <name>SettingsDialog</name>
    <message>
        <source>Model</source>
        <translation>模型</translation>
    </message>
    <message>
        <source>Retrieval</source>
        <translation>检索</translation>
    </message>
    <message>
        <source>Indexing</source>
        <translation>索引</translation>
    </message>
    <message>
        <source>Embeddings</source>
        <translation>嵌入</translation>
    </message>
    <message>
        <source>Store</source>
        <translation>存储</translation>
    </message>
    <message>
        <source>Advanced</source>
        <translation>高级</translation>
    </message>
    <message>
        <source>Backend</source>
        <translation>后端</translation>
    </message>
    <message>
        <source>Chat model</source>
        <translation>对话模型</translation>
    </message>
    <message>
        <source>Server URL</source>
        <translation>服务器地址</translation>
    </message>
    <message>
        <source>Temperature</source>
        <translation>温度</translation>
    </message>
    <message>
        <source>Longest answer (tokens)</source>
        <translation>最长回答（token）</translation>
    </message>
    <message>
        <source>Reasoning effort</source>
        <translation>推理强度</translation>
    </message>
    <message>
        <source>Context length</source>
        <translation>上下文长度</translation>
    </message>
    <message>
        <source>GPU layers</source>
        <translation>GPU 层数</translation>
    </message>
    <message>
        <source>Expert layers in RAM</source>
        <translation>放在内存中的专家层</translation>
    </message>
    <message>
        <source>CPU threads</source>
        <translation>CPU 线程</translation>
    </message>
    <message>
        <source>Flash attention</source>
        <translation>Flash Attention</translation>
    </message>
    <message>
        <source>Key/value cache</source>
        <translation>KV 缓存</translation>
    </message>
    <message>
        <source>Sources per answer</source>
        <translation>每个回答的来源数</translation>
    </message>
    <message>
        <source>Rerank with a cross-encoder</source>
        <translation>用交叉编码器重排序</translation>
    </message>
    <message>
        <source>Reranker model</source>
        <translation>重排序模型</translation>
    </message>
    <message>
        <source>Chunk size (tokens)</source>
        <translation>文本块大小（token）</translation>
    </message>
    <message>
        <source>Chunk overlap (tokens)</source>
        <translation>文本块重叠（token）</translation>
    </message>
    <message>
        <source>Largest file (MB)</source>
        <translation>最大文件（MB）</translation>
    </message>
    <message>
        <source>Embedding model</source>
        <translation>嵌入模型</translation>
    </message>
    <message>
        <source>Batch size</source>
        <translation>批大小</translation>
    </message>
    <message>
        <source>Embedding server URL</source>
        <translation>嵌入服务器地址</translation>
    </message>
    <message>
        <source>Store location</source>
        <translation>存储位置</translation>
    </message>
    <message>
        <source>Library</source>
        <translation>资料库</translation>
    </message>
    <message>
        <source>A library name starts with a letter, then up to 40 letters, digits or underscores (no spaces).</source>
        <translation>资料库名称以字母开头，后接最多 40 个字母、数字或下划线（不能有空格）。</translation>
    </message>
    <message>
        <source>llama.cpp: a GGUF model on this computer</source>
        <translation>llama.cpp：本机上的 GGUF 模型</translation>
    </message>
    <message>
        <source>An OpenAI-compatible server</source>
        <translation>OpenAI 兼容服务器</translation>
    </message>
    <message>
        <source>low</source>
        <translation>低</translation>
    </message>
    <message>
        <source>medium</source>
        <translation>中</translation>
    </message>
    <message>
        <source>high</source>
        <translation>高</translation>
    </message>
    <message>
        <source>f16 (full precision)</source>
        <translation>f16（全精度）</translation>
    </message>
    <message>
        <source>q8_0 (half the memory)</source>
        <translation>q8_0（内存减半）</translation>
    </message>
    <message>
        <source>q4_0 (a quarter of the memory)</source>
        <translation>q4_0（四分之一内存）</translation>
    </message>
    <message>
        <source>Auto (largest that fits)</source>
        <translation>自动（能容纳的最大值）</translation>
    </message>
    <message>
        <source>Auto (as many as fit)</source>
        <translation>自动（尽可能多）</translation>
    </message>
    <message>
        <source>Auto (from GPU memory)</source>
        <translation>自动（根据显存）</translation>
    </message>
    <message>
        <source>Auto (one per core)</source>
        <translation>自动（每核一个）</translation>
    </message>
    <message>
        <source>GGUF models (*.gguf);;All files (*)</source>
        <translation>GGUF 模型 (*.gguf);;所有文件 (*)</translation>
    </message>
    <message>
        <source>Setting: {key}</source>
        <translation>设置项：{key}</translation>
    </message>
    <message>
        <source>Browse…</source>
        <translation>浏览…</translation>
    </message>
    <message>
        <source>Browse for {setting}</source>
        <translation>浏览以选择{setting}</translation>
    </message>
    <message>
        <source>{setting} problem</source>
        <translation>{setting}问题</translation>
    </message>
    <message>
        <source>Set by the environment variable {name}.</source>
        <translation>由环境变量 {name} 设置。</translation>
    </message>
    <message>
        <source>The Lite store in Fathom&apos;s folder</source>
        <translation>Fathom 文件夹中的 Lite 存储</translation>
    </message>
    <message>
        <source>The default model</source>
        <translation>默认模型</translation>
    </message>
    <message>
        <source>Choose the {setting}</source>
        <translation>选择{setting}</translation>
    </message>
    <message>
        <source>Saved (type to replace)</source>
        <translation>已保存（输入以替换）</translation>
    </message>
    <message>
        <source>Not set</source>
        <translation>未设置</translation>
    </message>
    <message>
        <source>Kept in the system keyring, never in settings.json; the environment variable {name} overrides it.</source>
        <translation>保存在系统密钥环中，绝不写入 settings.json；环境变量 {name} 可覆盖它。</translation>
    </message>
    <message>
        <source>The {secret} could not be saved in the system keyring ({error}). Set {name} in the environment instead.</source>
        <translation>无法将{secret}保存到系统密钥环（{error}）。请改为在环境中设置 {name}。</translation>
    </message>
    <message>
        <source>Test connection</source>
        <translation>测试连接</translation>
    </message>
    <message>
        <source>Test the model connection</source>
        <translation>测试模型连接</translation>
    </message>
    <message>
        <source>Model connection result</source>
        <translation>模型连接结果</translation>
    </message>
    <message>
        <source>Test the store connection</source>
        <translation>测试存储连接</translation>
    </message>
    <message>
        <source>Store connection result</source>
        <translation>存储连接结果</translation>
    </message>
    <message>
        <source>Testing…</source>
        <translation>正在测试…</translation>
    </message>
    <message>
        <source>Settings</source>
        <translation>设置</translation>
    </message>
    <message>
        <source>Fathom settings</source>
        <translation>Fathom 设置</translation>
    </message>
    <message>
        <source>Settings problem</source>
        <translation>设置问题</translation>
    </message>
    <message>
        <source>Settings sections</source>
        <translation>设置分组</translation>
    </message>
    <message>
        <source>{section} settings</source>
        <translation>{section}设置</translation>
    </message>
    <message>
        <source>Restore the defaults of this section</source>
        <translation>恢复此分组的默认值</translation>
    </message>
    <message>
        <source>Put this section&apos;s settings back to their defaults (OK saves).</source>
        <translation>将此分组的设置恢复为默认值（点击“确定”保存）。</translation>
    </message>
    <message>
        <source>Save settings</source>
        <translation>保存设置</translation>
    </message>
    <message>
        <source>Close without saving</source>
        <translation>关闭且不保存</translation>
    </message>
    <message>
        <source>API key</source>
        <translation>API 密钥</translation>
    </message>
    <message>
        <source>API key:</source>
        <translation>API 密钥：</translation>
    </message>
    <message>
        <source>Store token</source>
        <translation>存储令牌</translation>
    </message>
    <message>
        <source>Token:</source>
        <translation>令牌：</translation>
    </message>
    <message>
        <source>The server&apos;s model name</source>
        <translation>服务器上的模型名称</translation>
    </message>
    <message>
        <source>{name} is a GGUF {arch} chat model ({size} GB)</source>
        <translation>{name} 是 GGUF {arch} 对话模型（{size} GB）</translation>
    </message>
    <message>
        <source>Some settings have bad values; nothing was saved.</source>
        <translation>部分设置的值有误；未保存任何更改。</translation>
    </message>
    <message>
        <source>A secret could not be saved; nothing was saved.</source>
        <translation>有一项密钥无法保存；未保存任何更改。</translation>
    </message>
    <message>
        <source>Cannot write {file}: {reason}.</source>
        <translation>无法写入 {file}：{reason}。</translation>
    </message>
</context>
<context>
    <name>SetupWizard</name>
    <message>
        <source>Set up Fathom</source>
        <translation>设置 Fathom</translation>
    </message>
    <message>
        <source>Fathom setup</source>
        <translation>Fathom 设置向导</translation>
    </message>
    <message>
        <source>Finish setup</source>
        <translation>完成设置</translation>
    </message>
    <message>
        <source>Cancel setup</source>
        <translation>取消设置</translation>
    </message>
    <message>
        <source>No chat model was chosen.</source>
        <translation>尚未选择对话模型。</translation>
    </message>
</context>
<context>
    <name>Sidebar</name>
    <message>
        <source>Sidebar</source>
        <translation>侧栏</translation>
    </message>
</context>
<context>
    <name>SourceLoader</name>
    <message>
        <source>{name} is no longer at {folder}: it was moved or deleted since it was indexed. Re-sync its folder in Knowledge to update the library; the passage as it was indexed is shown.</source>
        <translation>{name} 已不在 {folder}：索引之后它被移动或删除了。请在“知识库”中重新同步其所在文件夹以更新资料库；下面显示的是索引时的段落。</translation>
    </message>
    <message>
        <source>{name} cannot be read: {reason}.</source>
        <translation>无法读取 {name}：{reason}。</translation>
    </message>
    <message>
        <source>{name} is no longer in the library, so whether it changed since this answer cannot be told.</source>
        <translation>{name} 已不在资料库中，因此无法判断它在此回答之后是否有改动。</translation>
    </message>
    <message>
        <source>{name} changed since it was indexed (its content hash differs).</source>
        <translation>{name} 在索引之后有改动（内容哈希不同）。</translation>
    </message>
    <message>
        <source>The passage was found again by its words.</source>
        <translation>已根据文字重新找到该段落。</translation>
    </message>
    <message>
        <source>The passage is not in it any more, so nothing is highlighted; re-sync its folder to update the library.</source>
        <translation>该段落已不在文件中，因此没有高亮；请重新同步其所在文件夹以更新资料库。</translation>
    </message>
    <message>
        <source>no reader for this kind of file</source>
        <translation>没有可读取此类文件的读取器</translation>
    </message>
    <message>
        <source>{name} cannot be read any more: {reason}.</source>
        <translation>已无法读取 {name}：{reason}。</translation>
    </message>
    <message>
        <source>Qt cannot open it ({error})</source>
        <translation>Qt 无法打开它（{error}）</translation>
    </message>
    <message>
        <source>This page was read by OCR: it is shown, but a scanned image has no text to mark the passage on.</source>
        <translation>此页由 OCR 识别：已显示该页，但扫描图像没有文字层，无法标出段落。</translation>
    </message>
    <message>
        <source>The passage&apos;s words were not found on its page; its page is shown.</source>
        <translation>在所在页面上未找到该段落的文字；现显示其所在页面。</translation>
    </message>
</context>
<context>
    <name>SourceRow</name>
    <message>
        <source>pages {page}-{page_end}</source>
        <translation>第 {page}–{page_end} 页</translation>
    </message>
    <message>
        <source>page {page}</source>
        <translation>第 {page} 页</translation>
    </message>
    <message>
        <source>Source {number}: {where}</source>
        <translation>来源 {number}：{where}</translation>
    </message>
    <message>
        <source>⚠ Citation [{number}] not verified: {problem}</source>
        <translation>⚠ 引用 [{number}] 未通过核验：{problem}</translation>
    </message>
</context>
<context>
    <name>SourceViewer</name>
    <message>
        <source>Source viewer</source>
        <translation>来源查看器</translation>
    </message>
    <message>
        <source>Close the source viewer</source>
        <translation>关闭来源查看器</translation>
    </message>
    <message>
        <source>Citation check</source>
        <translation>引用核验</translation>
    </message>
    <message>
        <source>File check</source>
        <translation>文件检查</translation>
    </message>
    <message>
        <source>◀ Before</source>
        <translation>◀ 上文</translation>
    </message>
    <message>
        <source>Show the text before the passage</source>
        <translation>显示段落前面的文字</translation>
    </message>
    <message>
        <source>Passage</source>
        <translation>段落</translation>
    </message>
    <message>
        <source>Back to the passage</source>
        <translation>回到段落</translation>
    </message>
    <message>
        <source>After ▶</source>
        <translation>下文 ▶</translation>
    </message>
    <message>
        <source>Show the text after the passage</source>
        <translation>显示段落后面的文字</translation>
    </message>
    <message>
        <source>Open in system viewer</source>
        <translation>用系统查看器打开</translation>
    </message>
    <message>
        <source>Open the source file in the system&apos;s viewer</source>
        <translation>用系统查看器打开来源文件</translation>
    </message>
    <message>
        <source>Pages {page}-{page_end}</source>
        <translation>第 {page}–{page_end} 页</translation>
    </message>
    <message>
        <source>Page {page}</source>
        <translation>第 {page} 页</translation>
    </message>
    <message>
        <source>⚠ Citation [{number}] not verified: {problem}</source>
        <translation>⚠ 引用 [{number}] 未通过核验：{problem}</translation>
    </message>
    <message>
        <source>Open in system viewer at page {page}</source>
        <translation>用系统查看器打开第 {page} 页</translation>
    </message>
    <message>
        <source>The file could not be shown: {reason}</source>
        <translation>无法显示该文件：{reason}</translation>
    </message>
    <message>
        <source>{name} is no longer at {folder}.</source>
        <translation>{name} 已不在 {folder}。</translation>
    </message>
    <message>
        <source>It was moved or deleted since it was indexed; re-sync its folder in Knowledge to update the library.</source>
        <translation>索引之后它被移动或删除了；请在“知识库”中重新同步其所在文件夹以更新资料库。</translation>
    </message>
    <message>
        <source>No application could be started to open {name}.</source>
        <translation>无法启动任何应用程序来打开 {name}。</translation>
    </message>
    <message>
        <source>Open it yourself: {path}</source>
        <translation>请自行打开：{path}</translation>
    </message>
</context>
<context>
    <name>StatusPanel</name>
    <message>
        <source>Model: not loaded</source>
        <translation>模型：未加载</translation>
    </message>
    <message>
        <source>Model status</source>
        <translation>模型状态</translation>
    </message>
    <message>
        <source>Model loading</source>
        <translation>模型加载中</translation>
    </message>
    <message>
        <source>Store: opening…</source>
        <translation>存储：正在打开…</translation>
    </message>
    <message>
        <source>Store status</source>
        <translation>存储状态</translation>
    </message>
    <message>
        <source>Indexing activity</source>
        <translation>索引活动</translation>
    </message>
    <message>
        <source>Model: loading…</source>
        <translation>模型：正在加载…</translation>
    </message>
    <message>
        <source>Model: not available</source>
        <translation>模型：不可用</translation>
    </message>
    <message>
        <source>Model: {detail}</source>
        <translation>模型：{detail}</translation>
    </message>
    <message>
        <source>Model: loading… {percent}%</source>
        <translation>模型：正在加载… {percent}%</translation>
    </message>
    <message>
        <source>Store: unavailable</source>
        <translation>存储：不可用</translation>
    </message>
    <message>
        <source>Store: in use by another Fathom</source>
        <translation>存储：正被另一个 Fathom 使用</translation>
    </message>
    <message>
        <source>Store: {detail}</source>
        <translation>存储：{detail}</translation>
    </message>
</context>
<context>
    <name>TextPane</name>
    <message>
        <source>Passage</source>
        <translation>段落</translation>
    </message>
</context>
<context>
    <name>UserBubble</name>
    <message>
        <source>Question</source>
        <translation>问题</translation>
    </message>
</context>
</TS>
