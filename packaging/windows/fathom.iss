; Inno Setup 6 script: the Windows installer of the one-folder Fathom bundle.
;
; On Windows, from the repository root (packaging/ci/build-installers.yml does exactly this):
;   .venv\Scripts\python packaging\make_icons.py
;   .venv\Scripts\python -m PyInstaller --noconfirm --clean --distpath dist ^
;       --workpath build\pyinstaller packaging\fathom.spec
;   "%ProgramFiles(x86)%\Inno Setup 6\ISCC.exe" /DAppVersion=0.1.0 /DVariant=cuda ^
;       packaging\windows\fathom.iss
; Result: dist\fathom-<version>-windows-x64[-<variant>]-setup.exe
;
; It installs dist\fathom (fathom.exe for the terminal, fathomw.exe for the window without a
; console, _internal\) per user by default (no administrator rights needed) or for all
; users, adds a Start menu entry, optionally a desktop icon and the fathom command on PATH.
; Uninstalling removes the program folder and the PATH entry; the library and models in
; %LOCALAPPDATA%\Fathom are the person's data and stay.

#ifndef AppVersion
  #define AppVersion "0.0.0"
#endif
#ifdef Variant
  #define VariantSuffix "-" + Variant
#else
  #define VariantSuffix ""
#endif
#define Root "..\.."

[Setup]
AppId={{2E466E0F-F031-451C-9736-8EB80C1B4812}
AppName=Fathom
AppVersion={#AppVersion}
AppVerName=Fathom {#AppVersion}
AppPublisher=Fathom developers
AppComments=Chat with your own documents, locally
DefaultDirName={autopf}\Fathom
DefaultGroupName=Fathom
DisableProgramGroupPage=yes
PrivilegesRequired=lowest
PrivilegesRequiredOverridesAllowed=dialog
ArchitecturesAllowed=x64compatible
ArchitecturesInstallIn64BitMode=x64compatible
MinVersion=10.0
OutputDir={#Root}\dist
OutputBaseFilename=fathom-{#AppVersion}-windows-x64{#VariantSuffix}-setup
SetupIconFile={#Root}\build\icons\fathom.ico
UninstallDisplayIcon={app}\fathomw.exe
UninstallDisplayName=Fathom {#AppVersion}
Compression=lzma2/max
SolidCompression=yes
LZMANumBlockThreads=4
WizardStyle=modern
ChangesEnvironment=yes

[Tasks]
Name: "desktopicon"; Description: "{cm:CreateDesktopIcon}"; GroupDescription: "{cm:AdditionalIcons}"; Flags: unchecked
Name: "addtopath"; Description: "Add the fathom command to PATH (for the terminal)"; Flags: unchecked

[Files]
Source: "{#Root}\dist\fathom\fathom.exe"; DestDir: "{app}"; Flags: ignoreversion
Source: "{#Root}\dist\fathom\fathomw.exe"; DestDir: "{app}"; Flags: ignoreversion
Source: "{#Root}\dist\fathom\_internal\*"; DestDir: "{app}\_internal"; Flags: ignoreversion recursesubdirs createallsubdirs

[InstallDelete]
; A previous version's libraries must not linger beside the new ones.
Type: filesandordirs; Name: "{app}\_internal"

[Icons]
Name: "{autoprograms}\Fathom"; Filename: "{app}\fathomw.exe"; Comment: "Chat with your own documents, locally"
Name: "{autodesktop}\Fathom"; Filename: "{app}\fathomw.exe"; Tasks: desktopicon

[Registry]
Root: HKCU; Subkey: "Environment"; ValueType: expandsz; ValueName: "Path"; ValueData: "{olddata};{app}"; Tasks: addtopath; Check: NeedsAddPath(ExpandConstant('{app}'))

[Run]
Filename: "{app}\fathomw.exe"; Description: "{cm:LaunchProgram,Fathom}"; Flags: nowait postinstall skipifsilent

[Code]
function NeedsAddPath(Dir: string): Boolean;
var
  Path: string;
begin
  if not RegQueryStringValue(HKEY_CURRENT_USER, 'Environment', 'Path', Path) then
  begin
    Result := True;
    exit;
  end;
  Result := Pos(';' + Uppercase(Dir) + ';', ';' + Uppercase(Path) + ';') = 0;
end;

procedure CurUninstallStepChanged(CurUninstallStep: TUninstallStep);
var
  Path, Dir: string;
  P: Integer;
begin
  if CurUninstallStep <> usPostUninstall then
    exit;
  if not RegQueryStringValue(HKEY_CURRENT_USER, 'Environment', 'Path', Path) then
    exit;
  Dir := ';' + ExpandConstant('{app}');
  P := Pos(Uppercase(Dir), Uppercase(Path));
  if P > 0 then
  begin
    Delete(Path, P, Length(Dir));
    RegWriteExpandStringValue(HKEY_CURRENT_USER, 'Environment', 'Path', Path);
  end;
end;
