<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="en" sourcelanguage="en">
<context>
    <name>AnswerWidget</name>
    <message>
        <source>Reasoning</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Show or hide the reasoning</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Answer</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>_Searching your documents…_</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Answer status</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Copy</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Copy answer</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Copy the answer as Markdown</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Regenerate</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Regenerate answer</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>_Thinking…_</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>_No answer._</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Stopped.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>This answer was interrupted (Fathom closed while it was written).</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>This answer failed.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>⚠ Citations that match no source: {list}</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Sources</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Copied</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>App</name>
    <message>
        <source>Fathom cannot start</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>Backend</name>
    <message>
        <source>{count} chunks</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The store could not be opened: {reason}</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>See the status bar; restart Fathom after fixing it.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>No chat model is ready.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Pick or download one in Models…, then ask again.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The library is not open yet.</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>ChatModelPage</name>
    <message>
        <source>Chat model</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The model that reads the passages found and writes the answer.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Download the recommended model, {file} ({size} GB)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Download the recommended model</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Use a GGUF file I already have</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>GGUF file</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>/path/to/model.gguf</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Browse…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Browse for a GGUF file</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>GGUF file check</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Choose a GGUF model</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>GGUF models (*.gguf);;All files (*)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Checking…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>✓ A GGUF {arch} chat model, {size}.</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>ChatView</name>
    <message>
        <source>Conversation</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Ask a question about your documents below.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Drop folders or files here to add them to your library,&lt;br&gt;or use &lt;b&gt;Add folder…&lt;/b&gt; in the sidebar. Then ask a question below.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Chat with your documents</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Answers cite their sources; click one to read the passage.</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>Composer</name>
    <message>
        <source>Question</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Ask about your documents…  (Enter sends, Shift+Enter: new line)</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>ConversationList</name>
    <message>
        <source>Conversations</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Chats</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>New chat</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Start a new conversation (Ctrl+N)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Search conversations</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Conversation list</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Rename</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Delete</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>DownloadPanel</name>
    <message>
        <source>Model download</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Download</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Download {file}</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Cancel</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Cancel the download</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Download progress</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Download status</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>{file} from {repo}</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Installed</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Resume</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Resume downloading {file}</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>A download stopped after {size}; Resume continues from there.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Not downloaded yet. A download can be cancelled and resumed later; the file is checked against the hub&apos;s SHA-256 before use.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Connecting…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Cancelling…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Checking the {total} already downloaded… {done}</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>{done} of {total}</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>about {time} left</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Downloaded and verified (SHA-256)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Downloaded</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>, resumed after {size}</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Cancelled. The bytes so far are kept: Resume continues.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Cancelled</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>EffortBox</name>
    <message>
        <source>Reasoning effort</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>How long the model may think before it answers</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Reasoning: low</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Reasoning: medium</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Reasoning: high</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>EmbeddingPage</name>
    <message>
        <source>Embedding model</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The small model that turns passages into vectors for search.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>A hub id is fetched on the first ingestion (about 90 MB) and kept; a local folder (tokenizer.json, configs, onnx/model.onnx) is used as it is.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Browse…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Browse for an embedding model folder</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Embedding model check</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Choose an embedding model folder</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Give a hub id or a local model folder.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&apos;{spec}&apos; is neither a folder nor a hub id such as owner/model.</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>ErrorDialog</name>
    <message>
        <source>Error</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Error message</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Hint</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Error details</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Copy details</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Copy error details</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Show details</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Show error details</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Hide details</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Copied</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>ErrorInfo</name>
    <message>
        <source>Fathom ran out of memory.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Close other programs, or pick a smaller model in Models….</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>A file could not be used: {reason}</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Check that the file exists and that you may read it.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Something went wrong: {error}</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>This is a bug in Fathom. Please report it with the details below.</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>IndexingProgress</name>
    <message>
        <source>{time} left</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Indexing progress</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Preparing…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>File being indexed</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Indexing progress bar</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Cancel</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Cancel indexing</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Indexing counts</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Looking for files…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>{file}: page {page} / {pages}</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>(OCR)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>{file}: {done} / {total} chunks</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>{done} / {total} files</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>{count} chunks</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>{count} failed</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>LibraryPanel</name>
    <message>
        <source>never</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>just now</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>{minutes} min ago</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>{hours} h ago</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Knowledge folders</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Knowledge</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Knowledge folders list</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Folder</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Files</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Chunks</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Knowledge folder columns</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Add folder…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Add a knowledge folder</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Re-sync</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Re-sync the knowledge folders</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Index new and changed files again</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Remove</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Remove the selected knowledge folder</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Last sync: {when}</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Synced {when}</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>⚠ {count} failed</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>MachinePage</name>
    <message>
        <source>{gpu} with {memory} GiB</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>supported by this build, but none found</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>none that this llama.cpp build can use</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Memory</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>CPU threads</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Free disk</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Welcome to Fathom</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Fathom answers from your documents with a model that runs here.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Looking at this machine…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>This machine</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Recommendation</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Warnings</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&lt;b&gt;Recommended:&lt;/b&gt; {plan}.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>On this machine: {plan}.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>This machine could not be examined: {reason}</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>MainWindow</name>
    <message>
        <source>Fathom main window</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Export…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Export the conversation as Markdown</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Send</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Send question</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Stop</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Stop the answer</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Stop the answer (Esc)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;File</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;New chat</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;Add folder…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Add &amp;files…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;Export conversation…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;Quit</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;Chat</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;Stop answer</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;Re-sync knowledge folders</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;Tools</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;Settings…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;Models…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;Help</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;About Fathom</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Settings</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Fathom is already running</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Rename chat</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Name:</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Delete chat</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Delete “{title}”?</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Export</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Open or start a conversation first.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Export conversation</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Markdown (*.md)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Include the model&apos;s reasoning?</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Exported to {path}</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>This chat searches {where}</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>This chat searches the whole library</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>{tokens} tokens · {rate} tok/s</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Add a folder to your library</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Add files to your library</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Indexing queued…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Indexing…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Files changed: re-syncing…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Removed {name} ({count} files) from the library</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Indexing {file}: {done}/{total} chunks</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Indexing {done}/{total}: {file}</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>, {count} failed</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Indexed: {added} added, {updated} updated, {removed} removed</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>{count} chunks</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The library needs a rebuild first</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Indexing failed</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Indexing cancelled</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Could not tell whether the library needs a rebuild: {message}</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Rebuild the library?</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Your library was built with other settings than Fathom now uses.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Rebuilding re-reads and re-embeds every file in the background. Questions keep using the current library until the new one is complete. New files are indexed after the rebuild.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Rebuild the library</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Rebuild now</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Later</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The library keeps its old settings until rebuilt</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Rebuild queued…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Rebuilding the library…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>, {count} no longer on disk</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Library rebuilt: {files} files, {chunks} chunks</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Rebuild paused: it goes on where it stopped when restarted</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Fathom is still starting; try again in a moment.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Store settings apply when Fathom starts again.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>About Fathom</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Chat with your own documents, locally.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Library: {folder}</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>ModelsDialog</name>
    <message>
        <source>Name</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Kind</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Size</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Active</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Path</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>{s} s</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>{m} min {s} s</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>{h} h {m} min</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Models</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Fathom models</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Installed models</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Add GGUF…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Add a GGUF chat model file</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Add embedding folder…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Add an ONNX embedding model folder</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Use</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Use the selected model</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Remove</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Remove the selected model</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Models message</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Recommended model</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Close models</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Chat</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Embedding</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>✓ active</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Add a GGUF chat model</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>GGUF models (*.gguf);;All files (*)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Added {name} ({size}). Use makes it active.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Checking the file…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>{name} is the chat model now; it loads in the background.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>{name} embeds from now on. Documents embedded with another model must be ingested again into a new library.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Remove {name}? This deletes the file from disk.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Remove {name}? This forgets it (your file stays).</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Remove model</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Removed {name}.</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>PageCanvas</name>
    <message>
        <source>PDF page</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>PdfPane</name>
    <message>
        <source>PDF viewer</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Previous page</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Page</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Next page</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Zoom out</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Fit</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Zoom in</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Fit width</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Fit the page to the width</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>PDF page area</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>ScopeBar</name>
    <message>
        <source>What this chat searches</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Searching:</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Search in ▾</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Change what this chat searches</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Limit this chat to some knowledge folders or files</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Whole library</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>This chat searches the whole library</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Every knowledge folder; use “Search in” to limit this chat</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Searching {name}: remove it</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Click to stop searching it in this chat</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>(no knowledge folders yet)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Other folder…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Search only in this folder</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>SettingsDialog</name>
    <message>
        <source>Model</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Retrieval</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Indexing</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Embeddings</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Store</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Advanced</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Backend</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Chat model</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Server URL</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Temperature</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Longest answer (tokens)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Reasoning effort</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Context length</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>GPU layers</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Expert layers in RAM</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>CPU threads</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Flash attention</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Key/value cache</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Sources per answer</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Rerank with a cross-encoder</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Reranker model</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Chunk size (tokens)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Chunk overlap (tokens)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Largest file (MB)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Embedding model</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Batch size</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Embedding server URL</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Store location</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Library</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>A library name starts with a letter, then up to 40 letters, digits or underscores (no spaces).</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>llama.cpp: a GGUF model on this computer</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>An OpenAI-compatible server</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>low</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>medium</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>high</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>f16 (full precision)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>q8_0 (half the memory)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>q4_0 (a quarter of the memory)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Auto (largest that fits)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Auto (as many as fit)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Auto (from GPU memory)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Auto (one per core)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>GGUF models (*.gguf);;All files (*)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Setting: {key}</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Browse…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Browse for {setting}</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>{setting} problem</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Set by the environment variable {name}.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The Lite store in Fathom&apos;s folder</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The default model</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Choose the {setting}</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Saved (type to replace)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Not set</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Kept in the system keyring, never in settings.json; the environment variable {name} overrides it.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The {secret} could not be saved in the system keyring ({error}). Set {name} in the environment instead.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Test connection</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Test the model connection</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Model connection result</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Test the store connection</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Store connection result</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Testing…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Settings</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Fathom settings</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Settings problem</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Settings sections</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>{section} settings</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Restore the defaults of this section</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Put this section&apos;s settings back to their defaults (OK saves).</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Save settings</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Close without saving</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>API key</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>API key:</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Store token</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Token:</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The server&apos;s model name</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>{name} is a GGUF {arch} chat model ({size} GB)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Some settings have bad values; nothing was saved.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>A secret could not be saved; nothing was saved.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Cannot write {file}: {reason}.</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>SetupWizard</name>
    <message>
        <source>Set up Fathom</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Fathom setup</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Finish setup</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Cancel setup</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>No chat model was chosen.</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>Sidebar</name>
    <message>
        <source>Sidebar</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>SourceLoader</name>
    <message>
        <source>{name} is no longer at {folder}: it was moved or deleted since it was indexed. Re-sync its folder in Knowledge to update the library; the passage as it was indexed is shown.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>{name} cannot be read: {reason}.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>{name} is no longer in the library, so whether it changed since this answer cannot be told.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>{name} changed since it was indexed (its content hash differs).</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The passage was found again by its words.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The passage is not in it any more, so nothing is highlighted; re-sync its folder to update the library.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>no reader for this kind of file</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>{name} cannot be read any more: {reason}.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Qt cannot open it ({error})</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>This page was read by OCR: it is shown, but a scanned image has no text to mark the passage on.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The passage&apos;s words were not found on its page; its page is shown.</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>SourceRow</name>
    <message>
        <source>pages {page}-{page_end}</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>page {page}</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Source {number}: {where}</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>⚠ Citation [{number}] not verified: {problem}</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>SourceViewer</name>
    <message>
        <source>Source viewer</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Close the source viewer</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Citation check</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>File check</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>◀ Before</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Show the text before the passage</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Passage</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Back to the passage</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>After ▶</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Show the text after the passage</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Open in system viewer</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Open the source file in the system&apos;s viewer</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Pages {page}-{page_end}</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Page {page}</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>⚠ Citation [{number}] not verified: {problem}</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Open in system viewer at page {page}</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The file could not be shown: {reason}</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>{name} is no longer at {folder}.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>It was moved or deleted since it was indexed; re-sync its folder in Knowledge to update the library.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>No application could be started to open {name}.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Open it yourself: {path}</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>StatusPanel</name>
    <message>
        <source>Model: not loaded</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Model status</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Model loading</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Store: opening…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Store status</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Indexing activity</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Model: loading…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Model: not available</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Model: {detail}</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Model: loading… {percent}%</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Store: unavailable</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Store: in use by another Fathom</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Store: {detail}</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>TextPane</name>
    <message>
        <source>Passage</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>UserBubble</name>
    <message>
        <source>Question</source>
        <translation type="unfinished"></translation>
    </message>
</context>
</TS>
